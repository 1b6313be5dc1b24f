"""A trusted-documents registry that cannot be read says why in the reader's language (it
was English only: «no such file or folder», and the OS's or json's own English text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from campusgraph.trusted_documents import ManifestError, load, manifest


def test_a_missing_registry_is_named_in_both_languages(tmp_path: Path) -> None:
    # given: a path that does not exist
    missing = tmp_path / "nowhere.json"
    # when
    with pytest.raises(ManifestError) as caught:
        load(missing)
    # then
    assert caught.value.text("ru") == f"{missing}: нет такого файла или папки"
    assert caught.value.text("en") == f"{missing}: no such file or folder"
    assert str(caught.value) == caught.value.text("ru")


def test_a_missing_folder_given_to_the_manifest_command_is_named_too(tmp_path: Path) -> None:
    with pytest.raises(ManifestError) as caught:
        manifest([tmp_path / "no-folder"])
    assert caught.value.text("ru").endswith("нет такого файла или папки")


def test_a_file_that_is_not_json_says_where(tmp_path: Path) -> None:
    # given
    bad = tmp_path / "manifest.json"
    bad.write_text('{"a":\n  nope}', encoding="utf-8")
    # when
    with pytest.raises(ManifestError) as caught:
        load(bad)
    # then: the position, in the reader's language, not json's English sentence
    assert caught.value.text("ru") == f"{bad}: это не JSON (строка 2, столбец 3)"
    assert caught.value.text("en") == f"{bad}: not JSON (line 2, column 3)"
