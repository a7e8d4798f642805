from .models import LinkageCenter


def centers_with_ancestors(center_ids) -> set[int]:
    """The given centers and every center above them. A court may ask the
    member agencies of its own linkage center and of the centers above it."""
    centers, frontier = set(), {c for c in center_ids if c is not None}
    while frontier:
        centers |= frontier
        frontier = set(LinkageCenter.objects.filter(pk__in=frontier, parent__isnull=False)
                       .values_list("parent_id", flat=True)) - centers
    return centers
