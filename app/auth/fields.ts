import { z } from "zod";

/*
 * The login and signup forms' schemas: the pages validate with them in the browser and the server
 * checks the same ones, so this module must stay free of server code.
 */

export const MIN_PASSWORD_LENGTH = 12;

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export function isValidEmail(email: string): boolean {
  return email.length <= 254 && EMAIL_RE.test(email);
}

export const loginSchema = z.object({
  email: z
    .string({ required_error: "Enter your email address." })
    .trim()
    .min(1, "Enter your email address.")
    .max(254, "That email address is too long."),
  password: z
    .string({ required_error: "Enter your password." })
    .min(1, "Enter your password.")
    .max(1024, "That password is too long."),
});

export const signupSchema = z.object({
  email: z
    .string({ required_error: "Enter your email address." })
    .trim()
    .min(1, "Enter your email address.")
    .transform(normalizeEmail)
    .refine(isValidEmail, "Enter a valid email address, like name@example.com."),
  name: z
    .string({ required_error: "Enter your name." })
    .trim()
    .min(1, "Enter your name.")
    .max(100, "Use at most 100 characters."),
  password: z
    .string({ required_error: `Use at least ${MIN_PASSWORD_LENGTH} characters.` })
    .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`)
    .max(1024, "Use at most 1024 characters."),
});

const newPassword = (emptyMessage: string) =>
  z
    .string({ required_error: emptyMessage })
    .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`)
    .max(1024, "Use at most 1024 characters.");

/** "Forgot password?": the address to send the link to. */
export const forgotPasswordSchema = z.object({
  email: signupSchema.shape.email.pipe(z.string().max(254, "That email address is too long.")),
});

/** The reset link's form: the token from the link (hidden) and the new password, twice. */
export const resetPasswordSchema = z
  .object({
    token: z
      .string({ required_error: "This reset link is incomplete. Ask for a new one." })
      .regex(/^[A-Za-z0-9_-]{43}$/, "This reset link is incomplete. Ask for a new one."),
    password: newPassword(`Choose a new password of at least ${MIN_PASSWORD_LENGTH} characters.`),
    confirm: z.string({ required_error: "Type the new password again." }).max(1024, "Use at most 1024 characters."),
  })
  .refine((v) => v.password === v.confirm, { path: ["confirm"], message: "The two passwords are not the same." });

/** The account page's password form. */
export const changePasswordSchema = z
  .object({
    currentPassword: z
      .string({ required_error: "Enter your current password." })
      .max(1024, "That password is too long."),
    newPassword: newPassword(`Choose a new password of at least ${MIN_PASSWORD_LENGTH} characters.`),
    confirm: z.string({ required_error: "Type the new password again." }).max(1024, "Use at most 1024 characters."),
  })
  .refine((v) => v.newPassword === v.confirm, { path: ["confirm"], message: "The two passwords are not the same." })
  .refine((v) => v.newPassword !== v.currentPassword, {
    path: ["newPassword"],
    message: "Choose a password different from your current one.",
  });

/** The one answer to "send me a link", account or not. */
export const RESET_REQUESTED_MESSAGE =
  "If an account uses that address, we have sent it a link to choose a new password. The link works for 30 minutes; check your spam folder if it does not arrive.";
export const RESET_LINK_INVALID_MESSAGE =
  "This reset link has expired or has already been used. Ask for a new one below.";
