"""CSV downloads of report tables, safe to open in a spreadsheet."""

import csv
import io
from collections.abc import Iterable, Sequence

from quart import Response

# A cell starting with one of these is a formula to Excel and LibreOffice.
_FORMULA_STARTS = ('=', '+', '-', '@', '\t', '\r')


def _cell(value: object) -> object:
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]
) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator='\r\n')
    writer.writerow(header)
    writer.writerows([_cell(value) for value in row] for row in rows)
    response = Response(buffer.getvalue(), content_type='text/csv; charset=utf-8')
    response.headers['Content-Disposition'] = f'attachment; filename="{filename}"'
    response.headers['Cache-Control'] = 'private, no-store'
    return response
