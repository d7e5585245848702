// GET /docs — a self-contained API reference page that renders
// /openapi.json in the browser. No CDN assets: it works offline, like the
// rest of local development.
export function docsHtml(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchyard API</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1b1f24}
h1{margin-bottom:0}code,pre{font:13px ui-monospace,monospace;background:#f4f5f7;border-radius:4px}
pre{padding:.75rem;overflow:auto}.op{border:1px solid #d8dbe0;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.m{display:inline-block;min-width:4rem;font-weight:700;text-transform:uppercase}
</style></head><body>
<h1>Switchyard API</h1><p id="desc"></p><div id="ops">Loading /openapi.json…</div>
<script>
fetch("/openapi.json").then(r=>r.json()).then(doc=>{
  document.getElementById("desc").textContent=doc.info.description||"";
  const ops=document.getElementById("ops");ops.textContent="";
  for(const [path,item] of Object.entries(doc.paths)){
    for(const [method,op] of Object.entries(item)){
      const div=document.createElement("div");div.className="op";
      const h=document.createElement("h3");
      h.innerHTML='<span class="m"></span> <code></code>';
      h.querySelector(".m").textContent=method;h.querySelector("code").textContent=path;
      const p=document.createElement("p");p.textContent=op.summary||"";
      const pre=document.createElement("pre");
      pre.textContent=JSON.stringify({request:op.requestBody?.content,parameters:op.parameters,responses:Object.fromEntries(Object.entries(op.responses||{}).map(([s,r])=>[s,r.description]))},null,2);
      div.append(h,p,pre);ops.append(div);
    }
  }
  const pre=document.createElement("pre");pre.textContent=JSON.stringify(doc.components?.schemas??{},null,2);
  const h=document.createElement("h2");h.textContent="Schemas";ops.append(h,pre);
}).catch(e=>{document.getElementById("ops").textContent="Could not load /openapi.json: "+e});
</script></body></html>`;
}
