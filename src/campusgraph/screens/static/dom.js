// A few lines instead of a framework: elements are built with textContent, never
// innerHTML, so nothing the server sends can become markup.

/** h("button", {type: "button", onclick: fn}, "Text", child, …) */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value == null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "className") {
      element.className = value;
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child == null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** Replace everything inside `element`. */
export function replace(element, ...children) {
  element.replaceChildren();
  for (const child of children.flat(Infinity)) {
    if (child != null && child !== false) element.append(child);
  }
}

/** An element for messages: `role="status"` (polite) or `role="alert"` (an error). */
export function messageBox() {
  const box = h("p", { className: "message", role: "status", "aria-live": "polite" });
  return {
    element: box,
    info(text) {
      box.setAttribute("role", "status");
      box.className = "message info";
      box.textContent = text;
    },
    error(text) {
      box.setAttribute("role", "alert");
      box.className = "message error";
      box.textContent = text;
    },
    clear() {
      box.setAttribute("role", "status");
      box.className = "message";
      box.textContent = "";
    },
  };
}
