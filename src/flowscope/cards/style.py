"""The one stylesheet of every card, inlined into its document (a card loads no file)."""

from __future__ import annotations

from typing import Final

CARD_CSS: Final = """
:root{color-scheme:light;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);
font:14px/1.5 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif}
main{max-width:1100px;margin:0 auto;padding:20px 24px 40px}
h1,h2,h3{line-height:1.25}
.fs-card-header h1{font-size:20px;margin:0 0 4px}
.fs-card-header p{margin:0;color:var(--muted);word-break:break-all}
section.fs-section{margin-top:24px}
section.fs-section>h2{font-size:16px;border-bottom:1px solid var(--line);padding-bottom:4px}
.fs-component{margin:12px 0;overflow-wrap:anywhere}
table{border-collapse:collapse;max-width:100%;display:block;overflow-x:auto}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:var(--soft)}
pre{background:var(--soft);padding:8px 10px;border-radius:6px;overflow:auto;
white-space:pre-wrap;word-break:break-word;margin:4px 0;font-size:12.5px}
.fs-code{max-height:32rem}
.fs-note,.fs-progress-detail,.fs-artifact-type{color:var(--muted);font-size:12px}
.fs-artifact-name{font-weight:600;margin-right:8px}
.fs-image img,.fs-chart img{max-width:100%;height:auto}
figure{margin:12px 0}
figcaption{color:var(--muted);font-size:12px}
.fs-progress{display:flex;flex-wrap:wrap;gap:8px;align-items:center}
.fs-progress progress{width:280px;height:14px}
.fs-valuebox{display:inline-block;min-width:180px;padding:12px 16px;border-radius:8px;
border:1px solid var(--line);margin-right:12px;vertical-align:top}
.fs-valuebox p{margin:0}
.fs-valuebox-title{color:var(--muted);font-size:12px;text-transform:uppercase}
.fs-valuebox-value{font-size:28px;font-weight:600}
.fs-valuebox-change{font-size:12px}
.fs-theme-success{background:#e3f4e8;border-color:#8fd1a3}
.fs-theme-warning{background:#fff4d6;border-color:#e8c468}
.fs-theme-danger{background:#fde7e7;border-color:#ec9a9a}
.fs-theme-bg-gradient-indigo-purple{background:linear-gradient(135deg,#4f46e5,#9333ea);
color:#fff;border-color:#6d28d9}
.fs-theme-bg-gradient-indigo-purple .fs-valuebox-title{color:#e9e3ff}
.fs-error{border:1px solid #ec9a9a;background:#fff5f5;border-radius:6px;padding:8px 12px}
.fs-error-title{margin:0;font-weight:600;color:#a40e26}
details>summary{cursor:pointer;font-weight:600}
.fs-viewer-title{font-weight:600;margin:0}
.fs-graph-box{overflow-x:auto}
dl.fs-facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:8px 0}
dl.fs-facts dt{color:var(--muted)}dl.fs-facts dd{margin:0;word-break:break-all}
"""
