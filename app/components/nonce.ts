import { createContext, useContext } from "react";

/**
 * This request's CSP nonce, given by app/entry.server.tsx while rendering on the server. Remix's
 * <Scripts> and <ScrollRestoration> put it on their inline scripts; in the browser it is empty
 * (browsers hide nonces from the DOM, and scripts added after load come from 'self').
 */
export const NonceContext = createContext<string | undefined>(undefined);

export function useNonce(): string | undefined {
  return useContext(NonceContext);
}
