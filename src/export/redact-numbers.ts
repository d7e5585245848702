// Card numbers and phone numbers: the digit-shaped half of redaction, where
// the hard part is leaving ordinary numbers alone.
//
// Cards: 13–19 digits, bare or grouped by one consistent space/dash (4-4-4-4,
// 4-4-4-4-3, Amex/Diners 4-6-5 and 4-6-4), first digit 2–6 (every major
// network: Mastercard 2/5, Amex/Diners/JCB 3, Visa 4, Discover/UnionPay 6),
// and a valid Luhn check digit. The first-digit rule keeps epoch-ms
// timestamps (13 digits, starting with 1) out; Luhn alone lets 1 in 10 random
// digit runs through, so a 13–19 digit order id starting 2–6 is masked 10% of
// the time: accepted, an id has no training value.
// Phones need phone *shape*, never a bare digit run (order ids, timestamps):
// - international: "+" country code then groups, 9–15 digits (E.164 max 15),
//   or "+" and 9–15 bare digits;
// - North American: (415) 555-2671, 415-555-2671, 415.555.2671,
//   1-800-555-0199 — separators required;
// - national with trunk 0: 020 7946 0958, 06 12 34 56 78, 030 12345678 —
//   space/dash groups, 9–12 digits (dots are left to versions and IPs).
// None of them starts or ends inside a longer digit-group sequence, so a card
// that fails Luhn is not re-caught as a phone.

const CARD =
  /(?<![\d.])(?:\d{4}([ -]?)\d{4}\1\d{4}\1\d{4}\1\d{1,3}|\d{4}([ -]?)\d{4}\2\d{4}\2\d{1,4}|\d{4}([ -]?)\d{6}\3\d{4,5}|\d{13,19})(?!\d|\.\d)/g;

// Every digit group is a maximal run ((?!\d)), so a long digit string cannot
// make these patterns backtrack through its possible splits.
const PHONE_INTL_BARE = /(?<![\w+])\+\d{9,15}(?!\w)/g;
const PHONE_INTL = /(?<![\w+])\+\d{1,4}(?!\d)(?:[ .-]?\(\d{1,5}\)|(?:[ .-]|(?<=\)))\d{1,8}(?!\d)){1,6}(?!\w|[ .-]\d)/g;
const PHONE_NANP = /(?<![\w+]|\d[ .-])(?:1[ .-]?)?(?:\(\d{3}\)[ .-]?|\d{3}[ .-])\d{3}[ .-]\d{4}(?!\w|[ .-]\d)/g;
const PHONE_NATIONAL = /(?<![\w+.]|\d[ .-])0\d{1,4}(?!\d)(?:[ -]\d{2,8}(?!\d)){1,4}(?!\w|[ .-]\d)/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

export function isCardNumber(candidate: string): boolean {
  const digits = candidate.replace(/\D/g, "");
  return digits.length >= 13 && digits.length <= 19 && digits[0] >= "2" && digits[0] <= "6" && luhnValid(digits);
}

export function maskCards(text: string): string {
  return text.replace(CARD, maskCardMatch);
}

/**
 * A grouped match may have swallowed a number that follows the card
 * ("4111 1111 1111 1111 2 times" matches as 17 digits): retry without its
 * trailing groups before giving up.
 */
function maskCardMatch(m: string): string {
  if (isCardNumber(m)) return "[CARD]";
  const sep = /[ -]/.exec(m)?.[0];
  if (!sep) return m;
  for (let end = m.lastIndexOf(sep); end > 0; end = m.lastIndexOf(sep, end - 1)) {
    if (isCardNumber(m.slice(0, end))) return `[CARD]${m.slice(end)}`;
  }
  return m;
}

function countDigits(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) n++;
  return n;
}

export function maskPhones(text: string): string {
  return text
    .replace(PHONE_INTL_BARE, "[PHONE]")
    .replace(PHONE_INTL, (m) => {
      const n = countDigits(m);
      return n >= 9 && n <= 15 ? "[PHONE]" : m;
    })
    .replace(PHONE_NANP, "[PHONE]")
    .replace(PHONE_NATIONAL, (m) => {
      const n = countDigits(m);
      return n >= 9 && n <= 12 ? "[PHONE]" : m;
    });
}
