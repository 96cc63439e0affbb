// "Download CSV": the client list's tab and search as a file, every page of it.

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

// The name the server gave the file (`clients-trial-2026-12-06.csv`).
function fileName(res) {
  const m = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') || '');
  return m ? m[1] : 'clients.csv';
}

export async function exportCsv(state) {
  const p = exportParams(state);
  try {
    const res = await fetch(`/export/clients.csv${p.toString() ? `?${p}` : ''}`, {
      headers: { 'x-partner-dashboard': 'main' },
      credentials: 'same-origin',
      cache: 'no-store',
    });
    if (!res.ok) {
      toast(await failure(res), 'error');
      return;
    }
    save(await res.blob(), fileName(res));
  } catch {
    toast('Cannot reach the server. Check your connection and try again.', 'error');
  }
}
