"""TF Serving's model config (``models.config``) from the registry's aliases.

One ``config`` entry per pipeline (``model_config_list``): its base path, a
``specific`` version policy listing the versions to keep loaded, and
``version_labels`` mapping ``stable`` to the champion's export and ``canary`` to the
challenger's, so clients ask for ``/v1/models/NAME/labels/stable:predict`` and a
promotion moves them without a client change. TF Serving rereads the file every
``--model_config_file_poll_wait_seconds``. A pipeline without aliases serves its
newest version (``latest``) with no labels. The text is made and parsed with TF
Serving's own protobuf (``tensorflow_serving.config.model_server_config_pb2``).
"""

from __future__ import annotations

from pathlib import Path

from seqkeras.errors import SeqkerasError
from seqkeras.registry import ALIAS_LABELS, aliased_exports
from seqkeras.serving.versions import versions

#: Where ``seqkeras serve-config`` writes, beside the models' folders.
CONFIG_NAME = "models.config"


def model_entry(name: str, base_path: str, labels: dict[str, int]):
    """A ``ModelConfig`` for ``name``: the labelled versions kept (``specific``) and
    labelled, or the newest version when there is no label."""
    from tensorflow_serving.config import model_server_config_pb2 as pb

    entry = pb.ModelConfig(name=name, base_path=base_path, model_platform="tensorflow")
    if labels:
        entry.model_version_policy.specific.versions.extend(sorted(set(labels.values())))
        for label, version in sorted(labels.items()):
            entry.version_labels[label] = version
    else:
        entry.model_version_policy.latest.num_versions = 1
    return entry


def serving_config(pipelines: list[str], models_dir: Path, base_path: str | None = None):
    """The ``ModelServerConfig`` of ``pipelines`` (exports under ``models_dir/NAME``;
    ``base_path``: the folder the server sees them in, e.g. ``/models`` in docker;
    default ``models_dir`` itself). Raises SeqkerasError when a labelled version's
    folder is missing (TF Serving would refuse the label)."""
    from tensorflow_serving.config import model_server_config_pb2 as pb

    config = pb.ModelServerConfig()
    root = (base_path or str(Path(models_dir).resolve())).rstrip("/")
    for name in pipelines:
        exported = versions(Path(models_dir) / name)
        labels = {ALIAS_LABELS[alias]: v for alias, v in aliased_exports(name).items()}
        missing = sorted({v for v in labels.values() if v not in exported})
        if missing:
            raise SeqkerasError(f"{Path(models_dir) / name}: version(s) "
                                f"{', '.join(map(str, missing))} are labelled in the registry "
                                "but not exported here (exported: "
                                f"{', '.join(map(str, exported)) or 'none'})")
        if not exported:
            raise SeqkerasError(f"{Path(models_dir) / name}: no exported version")
        config.model_config_list.config.append(model_entry(name, f"{root}/{name}", labels))
    return config


def write_config(config, path: Path) -> Path:
    """Write ``config`` as protobuf text, atomically (TF Serving may read it any time)."""
    import os

    from google.protobuf import text_format

    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text_format.MessageToString(config))
    os.replace(tmp, path)
    return path


def read_config(path: Path):
    """Parse a ``models.config``. Raises SeqkerasError naming the file when it is not
    one."""
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2 as pb

    try:
        return text_format.Parse(Path(path).read_text(), pb.ModelServerConfig())
    except (OSError, text_format.ParseError) as exc:
        raise SeqkerasError(f"{path}: not a TF Serving model config ({exc})") from None


def labelled_version(config_path: Path, name: str, label: str) -> int:
    """The version ``label`` points to for model ``name`` in the config at
    ``config_path``. Raises SeqkerasError naming what is missing."""
    config = read_config(config_path)
    for entry in config.model_config_list.config:
        if entry.name == name:
            if label not in entry.version_labels:
                raise SeqkerasError(f"{config_path}: model {name!r} has no label {label!r} "
                                    f"(labels: {', '.join(entry.version_labels) or 'none'})")
            return int(entry.version_labels[label])
    raise SeqkerasError(f"{config_path}: no model {name!r}")
