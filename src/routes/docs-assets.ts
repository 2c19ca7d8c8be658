/** Placeholder reference page; replaced by the full interactive page. */
export const docsPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Jobmate API reference</title>
<link rel="stylesheet" href="/docs/assets/docs.css"></head>
<body><main id="app">Loading…</main><script src="/docs/assets/docs.js" defer></script></body></html>`;

export const docsStyles = 'body{font-family:system-ui,sans-serif;margin:2rem}';

export const docsScript = `fetch('/openapi.json').then(r=>r.json()).then(doc=>{
  const app=document.getElementById('app');app.textContent='';
  for(const [path,ops] of Object.entries(doc.paths)){for(const m of Object.keys(ops)){
    const p=document.createElement('p');p.className='operation';p.textContent=m.toUpperCase()+' '+path;app.append(p);}}
});`;
