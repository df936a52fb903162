import "./platform-workerd.js";
export * from "./index.js";
