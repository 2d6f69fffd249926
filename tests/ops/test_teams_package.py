"""``python -m bot teams package``: the zip the Teams admin centre accepts (app manifest schema
v1.25, checked against the published schema: ids, lengths, icon sizes, the bot id from the
environment), suggesting every command Teams can run."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from pathlib import Path

import jsonschema
import pytest
from PIL import Image

from bot.__main__ import main
from bot.answering import reply_to
from bot.commands.table import TABLE
from bot.services import Services
from bot.teams.package import MANIFEST_VERSION
from bot.where import Where
from flexcalc.commands.grammar import EXAMPLES

SCHEMA = (
    Path(__file__).resolve().parents[1]
    / "fixtures"
    / "teams_schema"
    / f"MicrosoftTeams.v{MANIFEST_VERSION}.schema.json"
)

BOT_ID = "0b3c6f0e-1a2b-4c3d-8e9f-001122334455"
SEMVER = re.compile(r"^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$")


@pytest.fixture
def teams_env(monkeypatch):
    monkeypatch.setenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", BOT_ID)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://flex.example.org")


def _build(tmp_path, name="app.zip", *extra) -> zipfile.ZipFile:
    out = tmp_path / name
    assert main(["teams", "package", "--out", str(out), *extra]) == 0
    return zipfile.ZipFile(out)


def test_the_package_follows_the_manifest_schema_rules(teams_env, tmp_path):
    package = _build(tmp_path)
    assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
    m = json.loads(package.read("manifest.json"))
    assert m["manifestVersion"] == "1.25"
    assert m["$schema"].endswith(f"/teams/v{m['manifestVersion']}/MicrosoftTeams.schema.json")
    uuid.UUID(m["id"])
    assert SEMVER.match(m["version"])
    assert len(m["developer"]["name"]) <= 32
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert m["developer"][key].startswith("https://") and len(m["developer"][key]) <= 2048
    assert len(m["name"]["short"]) <= 30 and len(m["name"]["full"]) <= 100
    assert len(m["description"]["short"]) <= 80 and len(m["description"]["full"]) <= 4000
    assert re.fullmatch(r"#[0-9A-Fa-f]{6}", m["accentColor"])
    assert m["validDomains"] == ["flex.example.org"]  # host only, no scheme
    [bot] = m["bots"]
    assert bot["botId"] == BOT_ID
    assert set(bot["scopes"]) <= {"personal", "team", "groupChat"}
    assert 1 <= len(bot["commandLists"]) <= 3
    for command_list in bot["commandLists"]:
        assert 1 <= len(command_list["commands"]) <= 12
        for command in command_list["commands"]:
            assert len(command["title"]) <= 32 and len(command["description"]) <= 128
    assert m["icons"] == {"color": "color.png", "outline": "outline.png"}


def test_the_manifest_validates_against_the_published_schema(teams_env, tmp_path):
    schema = json.loads(SCHEMA.read_text())
    assert schema["properties"]["manifestVersion"]["const"] == MANIFEST_VERSION
    manifest = json.loads(_build(tmp_path).read("manifest.json"))
    jsonschema.validators.validator_for(schema)(schema).validate(manifest)


def test_every_command_teams_can_run_is_suggested_and_nothing_else(teams_env, tmp_path):
    """Built from the command table, so a new command can't be left out again (accuracy was)."""
    [bot] = json.loads(_build(tmp_path).read("manifest.json"))["bots"]
    for command_list in bot["commandLists"]:
        titles = [c["title"] for c in command_list["commands"]]
        assert titles == [word for word, c in TABLE.items() if not c.slack_only]
        assert "accuracy" in titles and "impact" not in titles


@pytest.mark.parametrize("word", [w for w, c in TABLE.items() if c.slack_only])
def test_commands_left_out_of_teams_are_the_ones_that_only_work_in_slack(word):
    example = EXAMPLES[word][0]
    reply = reply_to(example, Services(engine=None), Where("mst:team", "msc:channel", "msu:me"))
    assert reply.title == "That one works in Slack"


def test_the_icons_have_the_sizes_and_colours_teams_requires(teams_env, tmp_path):
    package = _build(tmp_path)
    color = Image.open(io.BytesIO(package.read("color.png")))
    assert (color.format, color.size) == ("PNG", (192, 192))
    outline = Image.open(io.BytesIO(package.read("outline.png"))).convert("RGBA")
    assert outline.size == (32, 32)
    pixels = list(outline.get_flattened_data())
    assert all(a == 0 or (r, g, b, a) == (255, 255, 255, 255) for r, g, b, a in pixels)
    assert any(a == 255 for *_, a in pixels) and any(a == 0 for *_, a in pixels)


def test_rebuilding_updates_the_same_app_and_another_bot_is_another_app(teams_env, tmp_path):
    first = json.loads(_build(tmp_path, "a.zip").read("manifest.json"))["id"]
    again = json.loads(_build(tmp_path, "b.zip").read("manifest.json"))["id"]
    other_bot = str(uuid.uuid4())
    other = json.loads(_build(tmp_path, "c.zip", "--bot-id", other_bot).read("manifest.json"))
    assert first == again != other["id"]
    assert other["bots"][0]["botId"] == other_bot


def test_without_a_bot_id_it_says_what_to_set_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID", raising=False)
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://not-https.example.org")
    out = tmp_path / "app.zip"
    assert main(["teams", "package", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID" in err and "https" in err
    assert not out.exists()
