"""The signed document's canonical JSON and SHA-256, computed in Chromium, match Python's
json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False) byte for byte."""

from __future__ import annotations

import hashlib
import json

from playwright.sync_api import Page

from tests.pwa.conftest import import_module

VECTORS = [
    {"title": "厨房水龙头漏水", "unit": "3栋2单元501", "labor_fee": 12000, "material_fee": 3550},
    {"b": 1, "a": [3, 2, 1], "c": {"z": None, "y": True, "x": False}},
    {"quote\"back\\slash": "line\nbreak\ttab\rcr\bbs\ffeed", "ctrl": "\x00\x01\x1f\x7f"},
    {"emoji 😀": "astral 𠀋 and BMP ！", "\uff01": 1, "\U0001f600": 2, "\u00e9": 3, "e": 4},
    {"sep": "\u2028\u2029", "empty": "", "list": [], "obj": {}},
    {"negative": -5, "zero": 0, "big": 9007199254740991},
    ["不是对象", {"中文键": "值"}, [[]]],
]


def python_canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_canonical_json_matches_python_for_chinese_text_and_escapes(page: Page) -> None:
    results = import_module(page, "/js/canonical-json.js",
                            "return Promise.all(arg.map(async v => [m.canonicalJson(v), await m.canonicalJsonSha256(v)]));",
                            VECTORS)
    for value, (text, digest) in zip(VECTORS, results):
        expected = python_canonical(value)
        assert text == expected
        assert digest == hashlib.sha256(expected.encode("utf-8")).hexdigest()


def test_canonical_json_refuses_floats_python_would_print_differently(page: Page) -> None:
    error = import_module(page, "/js/canonical-json.js",
                          "try { m.canonicalJson({fee: 1.5}); return null; } catch (e) { return e.name; }")
    assert error == "TypeError"


def test_document_sha256_of_an_order_matches_the_python_recomputation(page: Page) -> None:
    order = {
        "id": "0190f2a4-7b1c-7000-8000-000000000001", "site_id": "lotus-garden", "unit": "3栋2单元501",
        "title": "卫生间地漏堵塞", "scope": "疏通地漏，更换密封圈", "labor_fee": 8000, "material_fee": 1250,
        "summary": "已疏通，现场已清理干净", "status": "completed", "assignee_id": "u-tech",
        "photos": [{"sha256": "f" * 64, "kind": "cleanup", "taken_at": "2026-11-23T08:00:00Z"},
                   {"sha256": "0" * 64, "kind": "before", "taken_at": "2026-11-23T07:00:00Z"}],
    }
    document = {
        "work_order_id": order["id"], "site_id": order["site_id"], "unit": order["unit"],
        "title": order["title"], "scope": order["scope"], "labor_fee": order["labor_fee"],
        "material_fee": order["material_fee"], "summary": order["summary"],
        "photos": sorted(p["sha256"] for p in order["photos"]),
    }
    expected = hashlib.sha256(python_canonical(document).encode("utf-8")).hexdigest()
    assert import_module(page, "/js/signed-document.js", "return m.documentSha256(arg);", order) == expected
