import os
from pathlib import Path

import fasterapi


def test_the_sdk_under_test_is_the_one_asked_for():
    source_tree = Path(__file__).resolve().parents[1] / "fasterapi"
    imported = Path(fasterapi.__file__).resolve().parent
    if os.environ.get("FASTERAPI_SDK") == "installed":
        assert imported != source_tree and "site-packages" in imported.parts, imported
        assert (imported / "py.typed").is_file() and (imported / "testclient.py").is_file()
    else:
        assert imported == source_tree, imported
