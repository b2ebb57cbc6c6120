const STYLE_ID = 'kp-widget-styles';

// Every selector is prefixed with kp- so nothing leaks into Kommo's own pages.
const CSS = `
.kp-sidebar,.kp-rules{font:13px/1.4 -apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#2e3640}
.kp-sidebar [hidden],.kp-rules [hidden]{display:none!important}
.kp-sidebar{padding:8px 0;display:flex;flex-direction:column;gap:8px}
.kp-field{display:flex;flex-direction:column;gap:3px}
.kp-field label,.kp-muted{color:#8591a5;font-size:12px}
.kp-sidebar select,.kp-rules select {
  width:100%;
  padding:4px;
  border:1px solid #d4d5d8;
  border-radius:3px;
  background:#fff;
}
.kp-actions{display:flex;gap:6px;flex-wrap:wrap}
.kp-btn{padding:5px 12px;border:1px solid #d4d5d8;border-radius:3px;background:#fff;cursor:pointer}
.kp-btn--primary{background:#4c8bf7;border-color:#4c8bf7;color:#fff}
.kp-btn:disabled{opacity:.5;cursor:default}
.kp-link {
  border:0;
  background:none;
  color:#1375ab;
  cursor:pointer;
  padding:0 4px;
  text-decoration:underline;
}
.kp-banner{padding:6px 8px;border-radius:3px;border-left:3px solid}
.kp-banner ul{margin:4px 0 0;padding-left:16px}
.kp-banner--error{background:#fdecea;border-color:#e2543a}
.kp-banner--warning{background:#fff6df;border-color:#f2b01e}
.kp-banner--info{background:#eef4fe;border-color:#4c8bf7}
.kp-banner--success{background:#e9f7ee;border-color:#3aa35c}
.kp-confirm {
  padding:8px;
  background:#f5f5f5;
  border-radius:3px;
  display:flex;
  flex-direction:column;
  gap:6px;
}
.kp-preview{display:flex;flex-direction:column;gap:6px}
.kp-preview iframe{width:100%;height:320px;border:1px solid #d4d5d8;background:#fff}
.kp-preview pre {
  white-space:pre-wrap;
  max-height:200px;
  overflow:auto;
  background:#f8f8f8;
  padding:6px;
  margin:4px 0;
}
.kp-subject{font-weight:600}
.kp-messages{list-style:none;margin:0;padding:0;display:flex;flex-direction:column;gap:4px}
.kp-message{border:1px solid #e4e6ea;border-radius:3px}
.kp-message-head {
  display:flex;
  flex-direction:column;
  gap:2px;
  padding:6px;
  cursor:pointer;
  width:100%;
  text-align:left;
  border:0;
  background:none;
  font:inherit;
  color:inherit;
}
.kp-message-line{display:flex;justify-content:space-between;gap:6px;align-items:center}
.kp-template-name{font-weight:600;overflow:hidden;text-overflow:ellipsis}
.kp-timeline{margin:0;padding:4px 8px 8px 22px;font-size:12px}
.kp-error{color:#c0392b;font-size:12px}
.kp-badge {
  display:inline-block;
  padding:1px 6px;
  border-radius:8px;
  font-size:11px;
  white-space:nowrap;
  background:#e4e6ea;
}
.kp-badge--sent{background:#dfeafd;color:#2159b8}
.kp-badge--delivered{background:#dcf3e3;color:#1d7a3c}
.kp-badge--opened,.kp-badge--clicked{background:#e3f4f4;color:#0f6f6f}
.kp-badge--bounced,.kp-badge--failed{background:#fbe0dc;color:#b1301b}
.kp-badge--complained,.kp-badge--suppressed{background:#fdeccb;color:#8a5a00}
.kp-rules{padding:16px;max-width:900px}
.kp-rules table{width:100%;border-collapse:collapse;margin-bottom:16px}
.kp-rules th,.kp-rules td{padding:6px;border-bottom:1px solid #e4e6ea;text-align:left}
.kp-rules-footer{display:flex;gap:12px;align-items:center;margin-top:8px}
`;

export function ensureStyles(): void {
  if (document.getElementById(STYLE_ID)) return;

  const style = document.createElement('style');
  style.id = STYLE_ID;
  style.textContent = CSS;
  document.head.append(style);
}
