/**
 * The settings the language server reads, with their defaults. The extension's
 * package.json declares the same keys under `gradlens.shapes.*`.
 */
export interface ShapeSettings {
  hover: boolean;
  inlayHints: boolean;
  diagnostics: boolean;
  /** Milliseconds to wait after the last keystroke before publishing diagnostics. */
  debounceMs: number;
}

export const DEFAULT_SHAPE_SETTINGS: ShapeSettings = {
  hover: true,
  inlayHints: true,
  diagnostics: true,
  debounceMs: 200,
};

/** Reads the `gradlens.shapes` section, keeping defaults for anything missing or ill-typed. */
export function shapeSettingsFrom(raw: unknown): ShapeSettings {
  const s = (raw && typeof raw === "object" ? raw : {}) as Record<string, unknown>;
  const bool = (k: keyof ShapeSettings) => (typeof s[k] === "boolean" ? (s[k] as boolean) : (DEFAULT_SHAPE_SETTINGS[k] as boolean));
  const debounce = typeof s.debounceMs === "number" && s.debounceMs >= 0 && s.debounceMs <= 5000 ? s.debounceMs : DEFAULT_SHAPE_SETTINGS.debounceMs;
  return { hover: bool("hover"), inlayHints: bool("inlayHints"), diagnostics: bool("diagnostics"), debounceMs: debounce };
}
