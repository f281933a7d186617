// Text width estimation for badges: advance widths of Verdana at 11 px (what shields.io badges are
// set in), so the two halves of a badge fit their text without measuring in a browser. Unknown
// characters count as an average lowercase letter; wide (CJK, emoji) ones as a full em.

// Widths in 1/100 px for code points 32..126.
const ASCII: readonly number[] = [
  387,
  432,
  503,
  898,
  700,
  1196,
  798,
  275,
  488,
  488,
  700,
  898,
  400,
  488,
  400,
  488, // space ! " # $ % & ' ( ) * + , - . /
  700,
  700,
  700,
  700,
  700,
  700,
  700,
  700,
  700,
  700, // 0-9
  488,
  488,
  898,
  898,
  898,
  599,
  1100, // : ; < = > ? @
  752,
  755,
  768,
  847,
  695,
  633,
  852,
  827,
  463,
  500,
  765,
  620,
  936,
  823,
  866,
  667,
  866,
  769,
  752,
  667,
  809,
  752,
  1091,
  753,
  666,
  754, // A-Z
  488,
  488,
  488,
  898,
  700,
  700, // [ \ ] ^ _ `
  674,
  689,
  591,
  689,
  662,
  387,
  689,
  698,
  301,
  373,
  648,
  301,
  1073,
  698,
  662,
  689,
  689,
  469,
  571,
  433,
  698,
  648,
  900,
  648,
  648,
  568, // a-z
  698,
  488,
  698,
  898, // { | } ~
];

const AVERAGE = 662;

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

/** Estimated width in px of `text` in Verdana 11 px. */
export function textWidth(text: string): number {
  let hundredths = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (code >= 32 && code <= 126) hundredths += ASCII[code - 32]!;
    else if (isWide(code)) hundredths += 1100;
    else if (code < 32 || (code >= 0x300 && code <= 0x36f)) hundredths += 0;
    else hundredths += AVERAGE;
  }
  return hundredths / 100;
}
