import "./platform-workerd.js";
export * from "./engine.js";
