/** Form field names and rules that the pages (client code) and the server checks share. */
export const LOGIN_FIELDS = ["email", "password"];
export const SIGNUP_FIELDS = ["email", "name", "password"];
export const MIN_PASSWORD_LENGTH = 12;
