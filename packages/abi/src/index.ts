/**
 * The Tessera guest ABI v1: the table and what is generated from it.
 *
 * @module
 */
export * from "./table.js";
export * from "./host.js";
