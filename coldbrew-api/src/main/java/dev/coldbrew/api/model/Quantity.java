package dev.coldbrew.api.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes resource quantity ({@code 500m}, {@code 0.5}, {@code 128Mi}, {@code 1G}, {@code
 * 1e3}) as used in {@code resources.limits} and {@code requests}. Stateless and thread-safe.
 */
public final class Quantity {
  /** What a malformed quantity is reported against. */
  public static final String EXPECTED =
      "a quantity such as 500m, 0.5, 2 (cpu) or 64Mi, 1Gi, 134217728 (memory)";

  private static final Pattern FORM =
      Pattern.compile(
          "([+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+))([eE][+-]?[0-9]+|[numkMGTPE]|[KMGTPE]i)?");
  private static final Map<String, BigDecimal> SUFFIX =
      Map.ofEntries(
          Map.entry("n", new BigDecimal("1e-9")),
          Map.entry("u", new BigDecimal("1e-6")),
          Map.entry("m", new BigDecimal("1e-3")),
          Map.entry("k", new BigDecimal("1e3")),
          Map.entry("M", new BigDecimal("1e6")),
          Map.entry("G", new BigDecimal("1e9")),
          Map.entry("T", new BigDecimal("1e12")),
          Map.entry("P", new BigDecimal("1e15")),
          Map.entry("E", new BigDecimal("1e18")),
          Map.entry("Ki", BigDecimal.valueOf(1L << 10)),
          Map.entry("Mi", BigDecimal.valueOf(1L << 20)),
          Map.entry("Gi", BigDecimal.valueOf(1L << 30)),
          Map.entry("Ti", BigDecimal.valueOf(1L << 40)),
          Map.entry("Pi", BigDecimal.valueOf(1L << 50)),
          Map.entry("Ei", BigDecimal.valueOf(1L << 60)));

  private Quantity() {}

  /**
   * The value of a quantity given as a string or a number.
   *
   * @throws IllegalArgumentException when it is not a quantity
   */
  public static BigDecimal parse(JsonNode value) {
    if (value == null || value.isNull() || !(value.isTextual() || value.isNumber())) {
      throw new IllegalArgumentException("not a quantity");
    }
    return parse(value.asText());
  }

  /**
   * The value of a quantity.
   *
   * @throws IllegalArgumentException when it is not a quantity
   */
  public static BigDecimal parse(String s) {
    Matcher m = FORM.matcher(s == null ? "" : s);
    if (!m.matches()) {
      throw new IllegalArgumentException("not a quantity");
    }
    BigDecimal n = new BigDecimal(m.group(1));
    String suffix = m.group(2);
    if (suffix == null) {
      return n;
    }
    if (suffix.startsWith("e") || suffix.startsWith("E")) {
      int exp = Integer.parseInt(suffix.substring(1));
      if (Math.abs(exp) > 30) {
        throw new IllegalArgumentException("exponent out of range");
      }
      return n.scaleByPowerOfTen(exp);
    }
    return n.multiply(SUFFIX.get(suffix));
  }

  /** A memory quantity in whole bytes, rounded up (Kubernetes rounds up too). */
  public static long bytes(BigDecimal v) {
    return v.setScale(0, RoundingMode.CEILING).longValueExact();
  }
}
