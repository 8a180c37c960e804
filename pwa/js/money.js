/* Money typed in yuan, carried as integer fen (CONTRACT: money is integer cents); parsed
   from the digits, never through floating point, so 0.29 yuan is 29 fen and not 28. */
export function yuanToFen(text) {
  const m = String(text).trim().match(/^(\d{1,9})(?:[.,](\d{0,2}))?$/);
  if (!m) return null;
  return Number(m[1]) * 100 + Number((m[2] || "").padEnd(2, "0"));
}

export function formatFen(fen) {
  if (fen === null || fen === undefined) return "—";
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}
