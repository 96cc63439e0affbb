// Checks the import graph of the web front end's modules (gateway/assets/web/) as the
// browser loads them: every import is a file of that directory, no import circle (a
// module that reaches itself through its imports), and every module is reached from
// the entry app.js. Run by scripts/lint after ESLint; `node check-modules.js [dir]`.
// Exits 1 and says what is wrong, else prints one line.

import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, dirname, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(process.argv[2] || fileURLToPath(new URL('../gateway/assets/web/', import.meta.url)));
const ENTRY = 'app.js';

function modules(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return modules(path);
    return name.endsWith('.js') ? [path] : [];
  });
}

const name = (path) => relative(root, path).split(sep).join('/');

// The specifiers of a module's static imports and re-exports (`import … from '…'`,
// `import '…'`, `export … from '…'`), each a statement at the start of a line.
function specifiers(source) {
  const re = /^[ \t]*(?:import[ \t]*|(?:import|export)\b[\w\s{},*$]*?\bfrom[ \t]*)['"]([^'"]+)['"]/gm;
  return [...source.matchAll(re)].map((m) => m[1]);
}

const problems = [];
const graph = new Map(); // module name -> names it imports
for (const path of modules(root)) {
  const deps = [];
  for (const spec of specifiers(readFileSync(path, 'utf8'))) {
    const target = resolve(dirname(path), spec);
    if (!/^\.\.?\//.test(spec) || !target.startsWith(root + sep)) problems.push(`${name(path)}: imports ${spec}, not a module of this directory`);
    else if (!existsSync(target)) problems.push(`${name(path)}: imports ${spec}, which does not exist`);
    else deps.push(name(target));
  }
  graph.set(name(path), deps);
}

// Import circles: depth first, a module met again while on the path closes one.
const state = new Map(); // name -> 'open' | 'done'
const seen = new Set();
function visit(mod, path) {
  if (state.get(mod) === 'done') return;
  if (state.get(mod) === 'open') {
    const circle = [...path.slice(path.indexOf(mod)), mod];
    const key = [...circle].slice(0, -1).sort().join(' ');
    if (!seen.has(key)) problems.push(`import circle: ${circle.join(' -> ')}`);
    seen.add(key);
    return;
  }
  state.set(mod, 'open');
  for (const dep of graph.get(mod) || []) visit(dep, [...path, mod]);
  state.set(mod, 'done');
}
for (const mod of [...graph.keys()].sort()) visit(mod, []);

// Modules the app never loads.
const reached = new Set();
const walk = (mod) => {
  if (reached.has(mod)) return;
  reached.add(mod);
  (graph.get(mod) || []).forEach(walk);
};
if (!graph.has(ENTRY)) problems.push(`no ${ENTRY}`);
else walk(ENTRY);
for (const mod of graph.keys()) if (!reached.has(mod)) problems.push(`${mod}: not imported by anything ${ENTRY} loads`);

if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
const edges = [...graph.values()].reduce((n, deps) => n + deps.length, 0);
console.log(`web modules: ${graph.size} modules, ${edges} imports, no circle, all reached from ${ENTRY}`);
