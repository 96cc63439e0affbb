// The bulk invite's CSV: RFC 4180 (quotes, doubled quotes, CRLF), with `,`, `;` or tab
// between cells, to rows of {email, companyName}.

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

// A header row naming an `email` column is used (and dropped); without one the email
// is the first column and the company name the second.
export function parseRows(textValue) {
  const filled = records(textValue);
  if (!filled.length) return [];
  let emailCol = 0;
  let nameCol = 1;
  const head = filled[0].map((x) => x.toLowerCase().replace(/[\s_-]/g, ''));
  if (head.includes('email')) {
    emailCol = head.indexOf('email');
    nameCol = head.findIndex((x) => x === 'companyname' || x === 'company' || x === 'name');
    filled.shift();
  }
  return filled.map((r) => ({ email: r[emailCol] || '', companyName: (nameCol >= 0 && r[nameCol]) || null }));
}
