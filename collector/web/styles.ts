// The page's stylesheet: inline (no extra request, no build step), light and dark by
// prefers-color-scheme, one column that reads on a phone and widens on a desktop. Text in a state
// colour uses the --*-text shades, darker in the light scheme, so it reads at 4.5:1 on its tinted
// background (axe color-contrast, test/status/page-axe.test.ts); bars and dots keep the brighter ones.
export const STYLES = `
:root{--bg:#f6f7f9;--card:#fff;--text:#1b1f24;--muted:#5b6573;--line:#e3e6ea;
--ok:#1f9d55;--warn:#c9a100;--bad:#e07b00;--down:#d1293d;--none:#d5d9de;--accent:#2563eb;
--ok-bg:#e7f6ee;--down-bg:#fde8eb;--warn-bg:#fff6db;
--ok-text:#177a42;--down-text:#b8192c;--bad-text:#a85a00;--warn-text:#7d6400}
@media (prefers-color-scheme:dark){:root{--bg:#0f1216;--card:#171b21;--text:#e6e9ee;--muted:#9aa4b1;
--line:#2a3038;--ok:#2fbf71;--warn:#d9b526;--bad:#f08c1a;--down:#ff4d63;--none:#38404a;--accent:#7aa7ff;
--ok-bg:#11281c;--down-bg:#34141a;--warn-bg:#2e2710;
--ok-text:#2fbf71;--down-text:#ff4d63;--bad-text:#f08c1a;--warn-text:#d9b526}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
main{max-width:900px;margin:0 auto;padding:16px}
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:baseline;gap:4px 16px;margin:8px 0 16px}
h1{font-size:1.5rem;margin:0}
h2{font-size:1.05rem;margin:28px 0 10px}
a{color:var(--accent)}
.muted{color:var(--muted)}
.banner{border-radius:10px;padding:14px 16px;font-size:1.15rem;font-weight:600;display:flex;gap:10px;align-items:center}
.banner small{font-weight:400;font-size:.9rem;color:var(--muted)}
.banner.operational{background:var(--ok-bg);color:var(--ok-text)}
.banner.degraded,.banner.unknown{background:var(--warn-bg);color:var(--warn-text)}
.banner.partial_outage{background:var(--warn-bg);color:var(--bad-text)}
.banner.major_outage{background:var(--down-bg);color:var(--down-text)}
.down-now{list-style:none;margin:12px 0 0;padding:0;display:grid;gap:8px}
.down-now li{background:var(--card);border:1px solid var(--line);border-left:4px solid var(--down);border-radius:8px;padding:10px 12px}
.down-now li.recovering{border-left-color:var(--bad)}
.down-now li.flapping{border-left-color:var(--warn)}
.monitors{list-style:none;margin:0;padding:0;background:var(--card);border:1px solid var(--line);border-radius:10px}
.monitor{padding:12px 14px;border-top:1px solid var(--line)}
.monitor:first-child{border-top:0}
.head{display:flex;align-items:center;gap:8px;flex-wrap:wrap}
.name{font-weight:600;overflow-wrap:anywhere}
.url{font-size:.8rem;color:var(--muted);overflow-wrap:anywhere}
.state{font-size:.8rem;font-weight:600;padding:1px 8px;border-radius:99px;background:var(--ok-bg);color:var(--ok-text)}
.s-down .state{background:var(--down-bg);color:var(--down-text)}
.s-recovering .state,.s-flapping .state{background:var(--warn-bg);color:var(--bad-text)}
.s-paused .state,.s-pending .state,.s-verifying .state{background:var(--line);color:var(--muted)}
.up{margin-left:auto;font-variant-numeric:tabular-nums;font-weight:600}
.up.none{font-weight:400;color:var(--muted)}
.maint,.tag.maint{font-size:.8rem;font-weight:600;padding:1px 8px;border-radius:99px;background:var(--warn-bg);color:var(--warn-text)}
.tag.maint{font-size:.75rem;padding:0 6px;border-radius:4px}
.dot{width:10px;height:10px;border-radius:50%;background:var(--ok);flex:none}
.s-down .dot{background:var(--down)}.s-recovering .dot,.s-flapping .dot{background:var(--bad)}
.s-paused .dot,.s-pending .dot{background:var(--none)}.s-verifying .dot{background:var(--warn)}
.bar{display:block;width:100%;height:26px;margin:8px 0 2px}
.c-ok{fill:var(--ok)}.c-warn{fill:var(--warn)}.c-bad{fill:var(--bad)}.c-down{fill:var(--down)}.c-none{fill:var(--none)}
.axis{display:flex;justify-content:space-between;font-size:.72rem;color:var(--muted)}
.meta{display:flex;flex-wrap:wrap;align-items:center;gap:4px 14px;margin-top:6px;font-size:.82rem;color:var(--muted)}
.spark{width:96px;height:22px;fill:none;stroke:var(--accent);stroke-width:1.3;vector-effect:non-scaling-stroke}
.spark circle{fill:var(--accent);stroke:none}.spark-empty{stroke:var(--line)}
.rt{display:flex;align-items:center;gap:6px}
.region{white-space:nowrap}.region.fail{color:var(--down-text)}
.incidents{list-style:none;padding:0;margin:0;display:grid;gap:8px}
.incidents li{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.tag{font-size:.75rem;font-weight:600;padding:0 6px;border-radius:4px;background:var(--down-bg);color:var(--down-text)}
.tag.resolved{background:var(--line);color:var(--muted)}
nav.pages{display:flex;gap:12px;justify-content:center;margin:16px 0}
footer{margin:32px 0 8px;font-size:.8rem;color:var(--muted);text-align:center}
.defs{position:absolute}
@media (max-width:520px){main{padding:10px}.banner{font-size:1rem}.up{font-size:.9rem}}
`;
