import "./platform-node.js";
export * from "./engine.js";
