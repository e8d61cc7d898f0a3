"""Reading uploaded tables (CSV, Parquet, XLSX) in chunks, with a plain reason when a file cannot be read.

Every reader yields pandas chunks of the file's own columns, so memory stays bounded for any file
size. CSV cells are read as text (empty means missing); conversion to model types happens in
``models.batch_validation``, where a bad value becomes a located error instead of a failed read.
"""

from __future__ import annotations

import codecs
import collections
import csv
import dataclasses
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from models.csv_arrow import arrow_chunks

KINDS = {".csv": "csv", ".txt": "csv", ".parquet": "parquet", ".pq": "parquet", ".xlsx": "xlsx"}
DELIMITERS = (",", ";", "\t", "|")
SNIFF_BYTES = 64 * 1024
# A header line may be this long (wide models have thousands of columns); longer is not a header.
MAX_HEADER_BYTES = 1024 * 1024
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Excel's own limits: a workbook past them was not made by Excel and is refused before it is read.
EXCEL_SHEET_ROWS = 1_048_576
EXCEL_CELL_CHARS = 32_767
# What a workbook may unpack to: its XML is read in a stream, but the shared strings are held whole.
MAX_XLSX_UNZIPPED_BYTES = 2_000_000_000
MAX_XLSX_SHARED_STRINGS_BYTES = 200_000_000
_SCAN_BLOCK = 1 << 20
_LONG_TEXT = re.compile(rb"[^<>]{%d,}" % (EXCEL_CELL_CHARS * 4 + 1))
_TOO_MANY_FIELDS = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_OPEN_QUOTE = re.compile(r"EOF inside string starting at row (\d+)")


class UnreadableFile(ValueError):
    """The file cannot be read as a table; the message says why and what to do."""


def file_kind(name: str) -> str:
    """``csv``, ``parquet`` or ``xlsx`` from the file name, or a message naming what is accepted."""
    suffix = Path(name).suffix.lower()
    if suffix == ".xls":
        raise UnreadableFile("Old Excel .xls files are not supported: save the sheet as .xlsx or CSV.")
    if suffix not in KINDS:
        shown = suffix or "no extension"
        raise UnreadableFile(f"Unsupported file type ({shown}): upload a .csv, .parquet or .xlsx file.")
    return KINDS[suffix]


@dataclasses.dataclass
class TableFile:
    """An uploaded table that opened cleanly: its header and a way to read it in chunks."""

    path: Path
    kind: str
    columns: list[str]
    delimiter: str = ","

    def chunks(self, rows: int) -> Iterator[pd.DataFrame]:
        """The data rows in order, ``rows`` at a time; raises UnreadableFile on a broken row."""
        if self.kind == "csv":
            yield from _csv_chunks(self, rows)
        elif self.kind == "parquet":
            yield from _parquet_chunks(self, rows)
        else:
            yield from _xlsx_chunks(self, rows)


def open_table(path: Path, kind: str) -> TableFile:
    """Check that the file is what it claims and read its header."""
    if path.stat().st_size == 0:
        raise UnreadableFile("The file is empty (0 bytes).")
    if kind == "csv":
        return _open_csv(path)
    if kind == "parquet":
        return _open_parquet(path)
    return _open_xlsx(path)


def duplicate_names(columns: list[str]) -> list[str]:
    return sorted(name for name, count in collections.Counter(columns).items() if count > 1)


# -- CSV ------------------------------------------------------------------------------------------
def _open_csv(path: Path) -> TableFile:
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if head.startswith(UTF16_BOMS):
        # Excel's "Unicode text" export: UTF-16 with a byte-order mark. Read as what it is.
        transcode_utf16(path)
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
    if head.startswith(b"PK\x03\x04"):
        raise UnreadableFile(
            "This is a ZIP or Excel file, not CSV text: save it as .xlsx or export it as CSV."
        )
    if head.startswith(b"PAR1"):
        raise UnreadableFile("This is a Parquet file, not CSV text: name it .parquet.")
    if b"\x00" in head:
        raise UnreadableFile(
            "This is not CSV text: it contains binary (NUL) bytes. UTF-16 text without a byte-order "
            "mark contains them too: save the file as 'CSV UTF-8'."
        )
    _check_utf8(path)
    head = _head_with_a_full_line(path, head)
    text = head.decode("utf-8-sig", errors="ignore")
    lines = text.splitlines()
    header_line = lines[0] if lines else ""
    if not header_line.strip():
        raise UnreadableFile("The first line is blank: the first line must hold the column names.")
    delimiter = max(DELIMITERS, key=lambda d: len(next(csv.reader([header_line], delimiter=d))))
    columns = [name.strip() for name in next(csv.reader([header_line], delimiter=delimiter))]
    if len(lines) < 2 or not any(line.strip() for line in lines[1:]):
        raise UnreadableFile("The file has a header line but no data rows.")
    return TableFile(path, "csv", columns, delimiter)


def _head_with_a_full_line(path: Path, head: bytes) -> bytes:
    """The start of the file, read on until the header line ends (up to ``MAX_HEADER_BYTES``)."""
    if b"\n" in head or b"\r" in head or len(head) < SNIFF_BYTES:
        return head
    with path.open("rb") as handle:
        longer = handle.read(MAX_HEADER_BYTES + SNIFF_BYTES)
    end = min((i for i in (longer.find(b"\n"), longer.find(b"\r")) if i >= 0), default=-1)
    if end < 0 or end > MAX_HEADER_BYTES:
        raise UnreadableFile(
            f"The first line is longer than {MAX_HEADER_BYTES // 1024:,} KiB, too long to be a line of "
            "column names: check that the file has line breaks and that its first line holds only "
            "the column names."
        )
    return longer


def transcode_utf16(path: Path) -> None:
    """Rewrite a UTF-16 file (with its byte-order mark) as UTF-8 in place, a block at a time."""
    decoder = codecs.getincrementaldecoder("utf-16")()
    target = path.with_name(path.name + ".utf8")
    try:
        with path.open("rb") as source, target.open("wb") as out:
            while block := source.read(1 << 20):
                out.write(decoder.decode(block).encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError:
        target.unlink(missing_ok=True)
        raise UnreadableFile(
            "The file starts like UTF-16 text but is not valid UTF-16: save it as 'CSV UTF-8'."
        ) from None
    target.replace(path)


def _check_utf8(path: Path) -> None:
    """Decode the whole file incrementally, naming the first byte that is not UTF-8 and its line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    line = 1
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                position = offset + exc.start
                line += block[: exc.start].count(b"\n")
                raise UnreadableFile(
                    f"The file is not UTF-8 text: byte 0x{block[exc.start]:02X} at byte {position:,} "
                    f"(line {line}) cannot be decoded. Save it as 'CSV UTF-8' and upload it again."
                ) from None
            offset += len(block)
            line += block.count(b"\n")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise UnreadableFile("The file is not UTF-8 text: it ends in the middle of a character.") from None


def _csv_chunks(table: TableFile, rows: int) -> Iterator[pd.DataFrame]:
    fast = arrow_chunks(table.path, table.columns, table.delimiter, rows)
    if fast is not None:
        yield from fast
        return
    yield from _pandas_csv_chunks(table, rows)


def _pandas_csv_chunks(table: TableFile, rows: int) -> Iterator[pd.DataFrame]:
    try:
        reader = _csv_reader(table, rows)
    except pd.errors.ParserError as exc:  # a small file is tokenised while the reader opens
        raise UnreadableFile(_parser_message(str(exc), table.delimiter)) from None
    try:
        yield from reader
    except pd.errors.ParserError as exc:
        raise UnreadableFile(_parser_message(str(exc), table.delimiter)) from None
    finally:
        reader.close()


def _csv_reader(table: TableFile, rows: int):
    return pd.read_csv(
        table.path,
        sep=table.delimiter,
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        encoding="utf-8-sig",
        chunksize=rows,
        header=0,
        names=table.columns,
        engine="c",
        skipinitialspace=True,
    )


def _parser_message(detail: str, delimiter: str) -> str:
    shown = {"\t": "tab"}.get(delimiter, f"'{delimiter}'")
    found = _TOO_MANY_FIELDS.search(detail)
    if found:
        expected, line, saw = found.groups()
        return (
            f"Line {line} has {saw} fields but the header has {expected} (ragged rows): "
            f"quote values that contain the separator {shown}."
        )
    found = _OPEN_QUOTE.search(detail)
    if found:
        return (
            f"Unterminated quote: the quoted value starting on line {int(found.group(1)) + 1} never closes. "
            'Check for a stray double quote (") in that line.'
        )
    return f"The CSV cannot be parsed: {detail.removeprefix('Error tokenizing data. C error: ')}"


# -- Parquet --------------------------------------------------------------------------------------
def _open_parquet(path: Path) -> TableFile:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowException, OSError) as exc:
        raise UnreadableFile(f"This is not a readable Parquet file ({_short(exc)}).") from None
    if parquet.metadata.num_rows == 0:
        raise UnreadableFile("The Parquet file has columns but no rows.")
    return TableFile(path, "parquet", [str(name) for name in parquet.schema_arrow.names])


def _parquet_chunks(table: TableFile, rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        with pq.ParquetFile(table.path) as parquet:
            for batch in parquet.iter_batches(batch_size=rows):
                frame = batch.to_pandas()
                frame.columns = table.columns
                yield frame
    except (pa.ArrowException, OSError) as exc:
        raise UnreadableFile(f"The Parquet file is damaged ({_short(exc)}).") from None


# -- XLSX -----------------------------------------------------------------------------------------
def _open_workbook(path: Path):
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise UnreadableFile(
            f"This is not a readable .xlsx workbook ({_short(exc)}): open it in Excel and save it again."
        ) from None


def check_workbook_size(path: Path) -> None:
    """Refuse a workbook that unpacks to more than we read, or holds a cell longer than Excel allows.

    Reads the ZIP directory (sizes, not data), then streams the shared strings and sheets once,
    so a zip bomb or a single 300 MB cell is refused before openpyxl builds anything from it.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            total = sum(entry.file_size for entry in entries)
            if total > MAX_XLSX_UNZIPPED_BYTES:
                raise UnreadableFile(
                    f"The workbook unpacks to {total / 1e6:,.0f} MB, more than the "
                    f"{MAX_XLSX_UNZIPPED_BYTES / 1e6:,.0f} MB allowed: save it as CSV and upload that."
                )
            for entry in entries:
                name = entry.filename
                if name == "xl/sharedStrings.xml" and entry.file_size > MAX_XLSX_SHARED_STRINGS_BYTES:
                    raise UnreadableFile(
                        f"The workbook's text unpacks to {entry.file_size / 1e6:,.0f} MB, more than the "
                        f"{MAX_XLSX_SHARED_STRINGS_BYTES / 1e6:,.0f} MB allowed: save it as CSV."
                    )
                sheet = name.startswith("xl/worksheets/") and name.endswith(".xml")
                if name == "xl/sharedStrings.xml" or sheet:
                    with archive.open(entry) as stream:
                        if _has_overlong_text(stream):
                            raise UnreadableFile(
                                f"A cell holds more than {EXCEL_CELL_CHARS:,} characters, more than Excel "
                                "allows: shorten it, or save the sheet as CSV."
                            )
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise UnreadableFile(
            f"This is not a readable .xlsx workbook ({_short(exc)}): open it in Excel and save it again."
        ) from None


def _has_overlong_text(stream: Any) -> bool:
    """Whether any text between XML tags is longer than a cell may be (bytes: up to 4 per character)."""
    carried = 0
    limit = EXCEL_CELL_CHARS * 4
    while block := stream.read(_SCAN_BLOCK):
        first_tag = min((i for i in (block.find(b"<"), block.find(b">")) if i >= 0), default=-1)
        if first_tag < 0:
            carried += len(block)
            if carried > limit:
                return True
            continue
        if carried + first_tag > limit or _LONG_TEXT.search(block):
            return True
        carried = len(block) - max(block.rfind(b"<"), block.rfind(b">")) - 1
    return carried > limit


def _open_xlsx(path: Path) -> TableFile:
    check_workbook_size(path)
    workbook = _open_workbook(path)
    try:
        sheet = workbook.worksheets[0]
        declared = getattr(sheet, "max_row", None)  # from the sheet's own <dimension>, when it has one
        if isinstance(declared, int) and declared > EXCEL_SHEET_ROWS:
            raise UnreadableFile(
                f"The sheet declares {declared:,} rows, more than the {EXCEL_SHEET_ROWS:,} Excel allows: "
                "split it, or upload it as CSV."
            )
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or all(cell is None for cell in header):
            raise UnreadableFile("The first sheet is empty: its first row must hold the column names.")
        columns = _trim([("" if cell is None else str(cell).strip()) for cell in header])
        if not any(any(cell is not None for cell in row) for row in rows):
            raise UnreadableFile("The first sheet has a header row but no data rows.")
        return TableFile(path, "xlsx", columns)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile(f"The .xlsx workbook is damaged ({_short(exc)}).") from None
    finally:
        workbook.close()


def _trim(cells: list[str]) -> list[str]:
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _xlsx_chunks(table: TableFile, rows: int) -> Iterator[pd.DataFrame]:
    workbook = _open_workbook(table.path)
    width = len(table.columns)
    try:
        iterator = workbook.worksheets[0].iter_rows(values_only=True)
        next(iterator, None)
        block: list[tuple] = []
        for number, row in enumerate(iterator, start=2):
            if number > EXCEL_SHEET_ROWS:
                raise UnreadableFile(
                    f"The sheet has more than {EXCEL_SHEET_ROWS:,} rows, more than Excel allows: "
                    "split it, or upload it as CSV."
                )
            if len(row) > width and any(cell is not None for cell in row[width:]):
                raise UnreadableFile(
                    f"Sheet row {number} has values to the right of the last named column: "
                    "give every column a header."
                )
            cells = tuple(row[:width]) + (None,) * (width - len(row))
            block.append(cells)
            if len(block) >= rows:
                yield _xlsx_frame(block, table.columns)
                block = []
        # Trailing rows that are entirely blank are formatting, not data.
        while block and all(cell is None for cell in block[-1]):
            block.pop()
        if block:
            yield _xlsx_frame(block, table.columns)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise UnreadableFile(f"The .xlsx workbook is damaged ({_short(exc)}).") from None
    finally:
        workbook.close()


def _xlsx_frame(block: list[tuple], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(block, columns=range(len(columns))).astype(object)
    frame.columns = columns
    return frame.where(frame.notna(), None)


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."
