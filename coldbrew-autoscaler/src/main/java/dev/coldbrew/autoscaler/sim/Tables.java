package dev.coldbrew.autoscaler.sim;

import java.math.BigDecimal;
import java.util.List;

/** Plain-text tables and number formatting for the simulator's output. Stateless. */
final class Tables {
  private Tables() {}

  /** A number without trailing zeros, at most 6 decimals: {@code 13.333333}, {@code 50}. */
  static String number(double v) {
    if (Double.isNaN(v) || Double.isInfinite(v)) {
      return String.valueOf(v);
    }
    BigDecimal d = BigDecimal.valueOf(v).setScale(6, java.math.RoundingMode.HALF_UP);
    d = d.stripTrailingZeros();
    return d.scale() < 0 ? d.setScale(0).toPlainString() : d.toPlainString();
  }

  /** Left-aligned columns separated by two spaces; the first row is the header. */
  static String render(List<String[]> rows) {
    int cols = rows.get(0).length;
    int[] width = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        line.append(r[i]);
        if (i < cols - 1) {
          line.append(" ".repeat(width[i] - r[i].length() + 2));
        }
      }
      sb.append(line.toString().stripTrailing()).append('\n');
    }
    return sb.toString();
  }
}
