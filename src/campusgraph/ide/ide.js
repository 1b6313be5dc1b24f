// GraphiQL with its explorer, against this server's /graphql. Everything it needs is on
// the page: the React, ReactDOM, GraphiQL and GraphiQLPluginExplorer globals (scripts of
// this origin, loaded before this one) and the page's JSON configuration (the endpoint,
// the first document shown, in the reader's language). No CDN, no inline script.
(function () {
  "use strict";
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
