"""The repository stores every JSON Lines golden gzip-compressed (NAME.jsonl.gz): JSON Lines of ids and
vectors shrink 2.3 to 10 times, and the lines inside are exactly what the generators wrote
(`gzip -dc NAME.jsonl.gz` shows them). `open_golden` is how the generators read and write them: a path
ending in `.gz` is gzip (level 9, modification time 0: the same lines give the same bytes),
anything else plain UTF-8. The Swift tests read them through `Fixtures.readJSONLines` (EmbedTestSupport),
which inflates with zlib and checks the gzip CRC-32."""
import gzip, io


def open_golden(path, mode="r"):
    """A text file (UTF-8, "\\n" line ends) for reading ("r") or writing ("w"), gzip when `path` ends in .gz."""
    assert mode in ("r", "w"), mode
    if not path.endswith(".gz"):
        return open(path, mode, encoding="utf-8", newline="\n" if mode == "w" else None)
    # By file name, GzipFile owns (and closes) the file; it records the name without ".gz" in the header.
    return io.TextIOWrapper(gzip.GzipFile(path, mode + "b", compresslevel=9, mtime=0), encoding="utf-8",
                            newline="\n" if mode == "w" else None)
