from django import template

from dashboards import labels

register = template.Library()


@register.filter
def step_label(level):
    return labels.step_label(level)


@register.filter
def type_label(value):
    return labels.type_label(value)
