// The type of the '#target' module both targets implement (see target.ts).
declare module '#target' {
  export const target: import('./target').Target;
}
