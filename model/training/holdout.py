"""Write the attribute labels of the held-out CelebA identities, for `app.py eval attributes`.

Usage: python -m model.training.holdout ../shared/data OUT.txt
Training never sees these identities (model/training/data.py drops them), so the file measures the
attribute head on unseen people.
"""

from __future__ import annotations

import sys
from pathlib import Path

from model.labels import read_identity_file
from model.training.data import holdout_identities


def write_holdout_labels(data_root: Path, out: Path) -> int:
    """Copy the list_attr_celeba.txt rows of held-out identities to `out`; return how many."""
    held = holdout_identities(data_root)
    identity = read_identity_file(data_root / "celeba-aligned" / "identity_CelebA.txt")
    lines = (data_root / "celeba-aligned" / "list_attr_celeba.txt").read_text().splitlines()
    rows = [line for line in lines[2:] if line.split() and identity.get(line.split()[0]) in held]
    out.write_text(f"{len(rows)}\n{lines[1]}\n" + "\n".join(rows) + "\n")
    return len(rows)


if __name__ == "__main__":
    print(write_holdout_labels(Path(sys.argv[1]), Path(sys.argv[2])), "held-out images")
