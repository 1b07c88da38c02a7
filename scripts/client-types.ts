/**
 * The SDK's types (packages/client/src/schema.d.ts): openapi-typescript's rendering of the served
 * OpenAPI document, formatted by the project's Prettier so the committed file compares as is.
 */
import openapiTS, { astToString } from "openapi-typescript";
import prettier from "prettier";
import { openApiAnswer } from "../app/api/openapi/document.server";

const HEADER = `/**
 * Generated from the Credits API's OpenAPI document by openapi-typescript: do not edit.
 * Regenerate with \`npm run generate -w @credit-billing/client\`.
 */
`;

export async function clientTypesSource(): Promise<string> {
  const ast = await openapiTS(JSON.parse(openApiAnswer("GET").body), { alphabetize: false });
  const source = HEADER + astToString(ast);
  const options = (await prettier.resolveConfig("packages/client/src/schema.d.ts")) ?? {};
  return prettier.format(source, { ...options, parser: "typescript" });
}
