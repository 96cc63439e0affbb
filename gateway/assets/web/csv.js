// The bulk invite's CSV: RFC 4180 (quotes, doubled quotes, CRLF), with `,`, `;` or tab
// between cells, to rows of {email, companyName}, the columns found by their header names.

// Records of trimmed cells, blank records left out.
function records(textValue) {
  const out = [];
  let rec = [];
  let cell = '';
  let quoted = false;
  const s = textValue.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',' || c === ';' || c === '\t') {
      rec.push(cell);
      cell = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && s[i + 1] === '\n') i++;
      rec.push(cell);
      out.push(rec);
      rec = [];
      cell = '';
    } else cell += c;
  }
  rec.push(cell);
  out.push(rec);
  return out.map((r) => r.map((x) => x.trim())).filter((r) => r.some((x) => x));
}

// The header names each column goes by, compared without case, spaces, `_` or `-`.
const EMAIL = ['email', 'emailaddress'];
const COMPANY = ['companyname', 'company'];
const key = (cell) => cell.toLowerCase().replace(/[\s_-]/g, '');

// The columns a header row names ({email, company}: indexes, -1 when absent), or null
// when the first row is no header (it names neither column, or holds an email address).
function header(first) {
  const names = first.map(key);
  const email = names.findIndex((n) => EMAIL.includes(n));
  const company = names.findIndex((n) => COMPANY.includes(n));
  if ((email < 0 && company < 0) || first.some((cell) => cell.includes('@'))) return null;
  return { email, company };
}

// Rows of {email, companyName}. A header row picks the columns by their names, in any
// order (`Email Address`, `Company Name`, …); without one the email is the first column
// and the company name the second. Throws when the header has no email column.
export function parseRows(textValue) {
  const filled = records(textValue);
  if (!filled.length) return [];
  let cols = header(filled[0]);
  if (cols) {
    filled.shift();
    if (cols.email < 0) throw new Error('The header row has no email column: name it “Email” or “Email Address”.');
  } else cols = { email: 0, company: 1 };
  return filled.map((r) => ({ email: r[cols.email] || '', companyName: (cols.company >= 0 && r[cols.company]) || null }));
}
