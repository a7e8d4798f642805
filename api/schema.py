"""OpenAPI details common to every endpoint: the API-key scheme, the error
responses each operation can give, and the Idempotency-Key header on POSTs."""
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiExample, OpenApiParameter

from .idempotency import HEADER, MAX_KEY_LENGTH

ERROR_DESCRIPTIONS = {
    "400": _("Invalid input; `errors` names the fields."),
    "401": _("No valid API key or session."),
    "403": _("Authenticated, but this role may not do this."),
    "404": _("No such object, or not yours to see (the same answer)."),
    "409": _("The work order's state does not allow this now; nothing changed."),
    "413": _("A file, the number of files or the whole body is over the limit; nothing was saved."),
    "415": _("The body's media type is not accepted here."),
    "422": _("The Idempotency-Key was used before with a different request."),
    "429": _("Too many requests for this key; see Retry-After."),
}

ERROR_EXAMPLES = {
    "400": {"detail": "请求无效，请查看“errors”。", "code": "invalid", "errors": {"reason": ["该字段是必填项。"]}},
    "401": {"detail": "API 密钥无效或已被吊销。", "code": "authentication_failed"},
    "403": {"detail": "您无权对此工作交办单执行该操作。", "code": "permission_denied"},
    "404": {"detail": "未找到。", "code": "not_found"},
    "409": {"detail": "该工作交办单现为“已答复”，无法“签收”。请刷新页面查看当前状态。", "code": "conflict"},
    "413": {"detail": "每次提交最多 10 个文件。未保存任何内容。", "code": "too_many_files"},
    "415": {"detail": "不支持请求中的媒体类型 “text/plain”。", "code": "unsupported_media_type"},
    "422": {"detail": "此 Idempotency-Key 已用于另一个请求。新请求请使用新的键。", "code": "unprocessable"},
    "429": {"detail": "请求超过了限速。", "code": "throttled"},
}


def only_api_v1(endpoints, **kwargs):
    """Preprocessing hook: the schema documents the agency API, not the pages."""
    return [e for e in endpoints if e[0].startswith("/api/v1/")]


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": str(_("`Api-Key eh_…` — a key issued by an administrator for one agency system.")),
        }


class ApiAutoSchema(AutoSchema):
    def _handler(self):
        action = getattr(self.view, "action", None)
        return getattr(self.view, action or self.method.lower(), None)

    def _is_idempotent(self):
        return self.method == "POST" and getattr(self._handler(), "idempotent", False)

    def get_override_parameters(self):
        params = list(super().get_override_parameters())
        if self._is_idempotent():
            params.append(OpenApiParameter(
                HEADER, str, OpenApiParameter.HEADER, required=False,
                description=str(_(
                    "Any unique string (≤ %(max)d characters), e.g. a UUID. A retry with the same key and "
                    "body returns the first response (header Idempotent-Replayed: true) and changes nothing "
                    "again; the same key with another body is refused with 422."
                ) % {"max": MAX_KEY_LENGTH}),
                examples=[OpenApiExample("uuid", value="3f1c2a9e-7d4b-4e0a-9b1f-2c8d5e6f7a80")],
            ))
        return params

    def _error_codes(self):
        codes = ["400", "401", "403", "429"]
        if "{" in self.path:
            codes.append("404")
        if self.method == "POST":
            codes += ["409", "415"]
            if "multipart/form-data" in self.map_parsers():
                codes.append("413")  # the upload limits (workorders/uploads.py)
            if self._is_idempotent():
                codes.append("422")
        return codes

    def _get_response_bodies(self, direction="response"):
        from .serializers import ErrorSerializer

        responses = super()._get_response_bodies(direction)
        if not self.path.startswith("/api/v1/"):
            return responses
        for code in self._error_codes():
            if code in responses:
                continue
            response = self._get_response_for_code(ErrorSerializer, code, ["application/json"], direction)
            response["description"] = str(ERROR_DESCRIPTIONS[code])
            response["content"]["application/json"]["examples"] = {
                "error": {"value": ERROR_EXAMPLES[code], "summary": str(ERROR_DESCRIPTIONS[code])}
            }
            responses[code] = response
        return responses
