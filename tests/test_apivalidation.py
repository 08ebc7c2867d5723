"""The API server's validation functions, mirrored: names, keys, cron schedules, image references."""

from __future__ import annotations

import pytest

from k8slint import apivalidation as api


@pytest.mark.parametrize(("check", "value", "ok"), [
    (api.dns1123_subdomain, "example.com", True), (api.dns1123_subdomain, "Bad_Name", False),
    (api.dns1123_subdomain, "a" * 254, False), (api.dns1123_label, "team.a", False),
    (api.dns1123_label, "a" * 63, True), (api.dns1123_label, "a" * 64, False),
    (api.dns1035_label, "web-1", True), (api.dns1035_label, "9web", False),
    (api.path_segment, "system:aggregate-to-View", True), (api.path_segment, "a/b", False),
    (api.path_segment, "..", False), (api.iana_port_name, "http", True), (api.iana_port_name, "8080", False),
    (api.iana_port_name, "http-metrics-port", False), (api.iana_port_name, "a--b", False),
    (api.qualified_name, "example.com/MyName", True), (api.qualified_name, "a/b/c", False),
    (api.qualified_name, "/name", False), (api.qualified_name, "Example.com/x", False),
    (api.label_value, "", True), (api.label_value, "web@shop", False), (api.label_value, "v1.2_3-x", True),
    (api.config_map_key, "app.properties", True), (api.config_map_key, "..data", False),
    (api.config_map_key, "a b", False),
])
def test_string_validators(check, value: str, ok: bool) -> None:  # type: ignore[no-untyped-def]
    assert (not check(value)) is ok, check(value)


def test_env_var_names_relaxed_from_1_32() -> None:
    assert api.env_var_name("1ST name", relaxed=True) == []
    assert api.env_var_name("A=B", relaxed=True)
    assert api.env_var_name("1ST", relaxed=False) and api.env_var_name("my.env-name", relaxed=False) == []


def test_generate_name_masks_one_trailing_dash() -> None:
    assert api.metadata("Pod", True, {"metadata": {"generateName": "worker-"}}, True, (1, 37)) == []
    problems = api.metadata("Pod", True, {"metadata": {"generateName": "Worker-"}}, True, (1, 37))
    assert [p for p, _ in problems] == [("metadata", "generateName")]


def test_statefulset_names_are_labels_from_1_27() -> None:
    data = {"metadata": {"name": "db.primary"}}
    assert api.metadata("StatefulSet", True, data, True, (1, 27))
    assert api.metadata("StatefulSet", True, data, True, (1, 26)) == []


@pytest.mark.parametrize(("schedule", "problem"), [
    ("*/5 * * * *", None), ("0 3 * * 1-5", None), ("@daily", None), ("@every 1h30m", None),
    ("15 9-17 * JAN-DEC mon-fri", None), ("0 0 1,15 * ?", None),
    ("0 25 * * *", "hour: end of range (25) above maximum (23): 25"),
    ("* * * * 7", "day of week: end of range (7) above maximum (6): 7"),
    ("* * * *", "expected exactly 5 fields, found 4: [* * * *]"),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
    ("5-1 * * * *", "minute: beginning of range (5) beyond end of range (1): 5-1"),
    ("*/0 * * * *", "minute: step of range should be a positive number: */0"),
    ("a * * * *", "minute: failed to parse int from a"),
    ("", "empty spec string"),
])
def test_cron_schedules_as_robfig_cron_v3(schedule: str, problem: str | None) -> None:
    assert api.cron_schedule_problem(schedule) == problem


@pytest.mark.parametrize(("image", "problem"), [
    ("nginx", None), ("nginx:1.27", None), ("registry.example.com:5000/team/app:2024.06", None),
    ("ghcr.io/org/app@sha256:" + "a" * 64, None), ("localhost/app", None), ("[::1]:5000/app:1", None),
    ("docker.io/library/busybox:1.36", None),
    ("registry//backend:3.1", "invalid reference format"),
    ("Nginx:1.27", "repository name (Nginx) must be lowercase"),
    ("<YOUR-CONTAINER>", "repository name (<YOUR-CONTAINER>) must be lowercase"),
    ("app:tag with space", "invalid reference format"),
    ("app@sha256:abc", "invalid reference format"),
    ("app@sha256:" + "a" * 63 + "ab", "invalid checksum digest length"),
    ("app@md5:" + "a" * 32, "unsupported digest algorithm"),
    ("a" * 64, "cannot specify 64-byte hexadecimal strings"),
])
def test_image_references_as_the_kubelet_parses_them(image: str, problem: str | None) -> None:
    assert api.image_reference_problem(image) == problem


def test_requests_above_limits_and_extended_resources() -> None:
    problems = api.resources({"requests": {"memory": "64Mi", "nvidia.com/gpu": "1"},
                              "limits": {"memory": "64M"}}, ("resources",), True)
    messages = [m for _, m in problems]
    assert messages == [
        'resources.requests.memory: Invalid value: "64Mi": must be less than or equal to memory limit of 64M',
        "resources.limits: Required value: Limit must be set for non overcommitable resources (nvidia.com/gpu)",
    ]
    assert api.resources({"limits": {"cpu": "1", "hugepages-2Mi": "1Gi"},
                          "requests": {"hugepages-2Mi": "1Gi"}}, ("r",), True) == []
