"""Why a bundle is refused: the stable reason codes and the exception that carries one."""

from __future__ import annotations

from typing import Any

# Reason codes (stable: scripts and the quarantine log use them).
REASONS = {
    "empty": "空文件 / empty file",
    "not-a-bundle": "不是同步包 / not a gridwalker bundle",
    "truncated": "文件不完整或已损坏 / truncated or damaged file",
    "encrypted": "已加密，需要枢纽密钥 / encrypted; the hub identity is needed",
    "other-hub": "发往另一个枢纽 / meant for another hub",
    "format-version": "未知的格式版本 / unknown format version",
    "bad-manifest": "清单无效 / invalid manifest",
    "unsafe-name": "不安全的文件名 / unsafe entry name",
    "duplicate-entry": "重复的文件名 / duplicate entry name",
    "too-large": "超出大小限制 / over the size limit",
    "compression-ratio": "压缩比异常（疑似压缩炸弹）/ compression ratio over the limit (zip bomb)",
    "unlisted-file": "清单中没有的文件 / file not listed in the manifest",
    "missing-file": "缺少清单中的文件 / file listed in the manifest is missing",
    "no-signature": "缺少签名 / missing signature",
    "bad-signature": "签名无效 / bad signature",
    "unknown-key": "签名密钥未知 / signing key not known here",
    "not-enrolled": "设备未登记 / device key not enrolled",
    "revoked": "设备密钥已吊销 / device key revoked",
    "size-mismatch": "文件大小与清单不符 / file size differs from the manifest",
    "hash-mismatch": "文件校验值与清单不符 / file sha256 differs from the manifest",
    "count-mismatch": "记录数与清单不符 / record count differs from the manifest",
    "schema": "记录不符合格式 / record fails schema validation",
    "fork": "同一序号内容不同（分叉）/ same seq with different content (fork)",
    "device-key": "设备号属于另一个密钥 / device id belongs to another key",
    "apply-failed": "写入失败 / could not be applied",
    "unexpected": "检查时出现意外错误 / unexpected error while checking",
}


class BundleRefused(Exception):
    """A bundle that fails a check; `reason` is a code of REASONS, `detail` says where."""

    def __init__(self, reason: str, detail: str = "", manifest: dict[str, Any] | None = None):
        self.reason = reason
        self.manifest = manifest or {}
        self.detail = _with_version_skew(self.manifest, detail) if reason == "schema" else detail
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The bilingual reason with its detail."""
        text = REASONS.get(self.reason, self.reason)
        return f"{text}: {self.detail}" if self.detail else text


def _with_version_skew(manifest: dict[str, Any], detail: str) -> str:
    """The records' errors, after their likely cause when records miss or add fields: the two
    sides run different versions of gridwalker (a field added by a migration on one side)."""
    from gridwalker.store.migrate import head_revision

    theirs = manifest.get("schema_version") or "?"
    if theirs == head_revision() or (
        "data: missing" not in detail and "data: unknown" not in detail
    ):
        return detail
    return (
        f"made by gridwalker at schema {theirs}, this one is at {head_revision()}: "
        "upgrade gridwalker on the laptop and the hub to the same version, "
        f"then `gridwalker export --full` on the laptop; {detail}"
    )
