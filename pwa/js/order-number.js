/* The short number people read and say for a work order: the last 6 letters/digits of its id, upper
   case — the same rule as the server (server/domain/order_number.py), so the report, the CSV and every
   screen agree without asking the server. */
export const orderNumber = (id) => String(id ?? "").replace(/[^0-9a-z]/gi, "").slice(-6).toUpperCase();
