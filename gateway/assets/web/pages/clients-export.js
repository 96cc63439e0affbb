// "Download CSV": the client list's tab and search as a file, every page of it.

import { session } from '../api.js';
import { h, toast } from '../dom.js';
import { exportParams } from './clients-state.js';

// The error the export answered with, or a generic one.
async function failure(res) {
  let msg = `The export failed (HTTP ${res.status}).`;
  try {
    const b = await res.json();
    if (b.errors && b.errors[0]) msg = b.errors[0].message;
  } catch {
    /* not JSON */
  }
  return msg;
}

function save(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export async function exportCsv(state) {
  const p = exportParams(state);
  try {
    const res = await fetch(`/export/clients.csv${p.toString() ? `?${p}` : ''}`, { headers: { authorization: `Bearer ${session.token()}` }, cache: 'no-store' });
    if (!res.ok) {
      toast(await failure(res), 'error');
      return;
    }
    save(await res.blob(), 'clients.csv');
  } catch {
    toast('Cannot reach the server. Check your connection and try again.', 'error');
  }
}
