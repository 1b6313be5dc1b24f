// GraphiQL with its explorer, against this server's /graphql. Everything it needs is on
// the page: the React, ReactDOM, GraphiQL and GraphiQLPluginExplorer globals (scripts of
// this origin, loaded before this one) and the page's JSON configuration (the endpoint,
// the first document shown, in the reader's language). No CDN, no inline script.
(function () {
  "use strict";

  // GraphiQL's dialogs (Radix, through react-remove-scroll) put <style> elements of
  // their own into <head> while open. The page's CSP refuses inline <style> (no
  // 'unsafe-inline': markup that slipped into the page must not be able to style it), so
  // a <style> a script appends to <head> — a script of this origin, the only kind this
  // page runs — is applied as a constructed stylesheet instead (CSSOM, which scripts may
  // use anyway) and kept in a holder that is never in the document (so the browser
  // neither applies nor checks it), where its owner finds it to remove it, which removes
  // its rules too.
  var holder = document.createElement("div");
  var constructed = new WeakMap();
  var appendChild = HTMLHeadElement.prototype.appendChild;
  HTMLHeadElement.prototype.appendChild = function (node) {
    if (node instanceof HTMLStyleElement && (!node.type || node.type === "text/css")) {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(node.textContent);
      document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
      constructed.set(node, sheet);
      return holder.appendChild(node);
    }
    return appendChild.call(this, node);
  };
  holder.removeChild = function (node) {
    var sheet = constructed.get(node);
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter(function (s) {
      return s !== sheet;
    });
    constructed.delete(node);
    return Node.prototype.removeChild.call(holder, node);
  };

  var config = JSON.parse(document.getElementById("ide-config").textContent);
  var fetcher = GraphiQL.createFetcher({ url: config.endpoint });
  var explorer = GraphiQLPluginExplorer.explorerPlugin();
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      defaultQuery: config.defaultQuery,
      // The headers editor stays open: a bearer token goes there after signing in.
      defaultEditorToolsVisibility: "headers",
      isHeadersEditorEnabled: true,
      // A token is not kept in the browser's storage after the tab is closed.
      shouldPersistHeaders: false,
      inputValueDeprecation: true,
    }),
  );
})();
