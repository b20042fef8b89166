package dev.coldbrew.api.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Kubernetes label selector as a list's {@code labelSelector} parameter gives it ({@code kubectl
 * get -l}, {@code kn revision list -s}): requirements separated by commas, all of which must hold —
 * {@code key=value} (or {@code ==}), {@code key!=value}, {@code key} (present), {@code !key}
 * (absent), {@code key in (a,b)}, {@code key notin (a,b)}. Immutable and thread-safe.
 */
public final class LabelSelector implements Predicate<Map<String, String>> {
  /** What a selector looks like, for errors. */
  public static final String EXPECTED =
      "requirements separated by commas: key=value, key!=value, key, !key, key in (a,b), key"
          + " notin (a,b)";

  private static final String KEY = "[A-Za-z0-9][-A-Za-z0-9_./]*";
  private static final String VALUE = "[A-Za-z0-9_.-]*";
  private static final Pattern REQUIREMENT =
      Pattern.compile(
          "\\s*(?:(!)\\s*("
              + KEY
              + ")"
              + "|("
              + KEY
              + ")\\s*(?:(==|=|!=)\\s*("
              + VALUE
              + ")"
              + "|\\s(in|notin)\\s*\\(([^()]*)\\))?)\\s*(,|$)");
  private static final Pattern SET_VALUE = Pattern.compile("\\s*(" + VALUE + ")\\s*");

  private final List<Predicate<Map<String, String>>> requirements;

  private LabelSelector(List<Predicate<Map<String, String>>> requirements) {
    this.requirements = requirements;
  }

  /**
   * Parses a selector; an empty one selects everything.
   *
   * @throws IllegalArgumentException saying what is wrong, for the caller to name the parameter
   */
  public static LabelSelector parse(String selector) {
    List<Predicate<Map<String, String>>> reqs = new ArrayList<>();
    if (selector.length() > 4096) {
      throw new IllegalArgumentException("longer than 4096 characters");
    }
    if (selector.isBlank()) {
      return new LabelSelector(reqs);
    }
    Matcher m = REQUIREMENT.matcher(selector);
    int at = 0;
    while (at < selector.length()) {
      m.region(at, selector.length());
      if (!m.lookingAt()) {
        throw new IllegalArgumentException(
            "cannot read \"" + selector.substring(at).strip() + "\"");
      }
      reqs.add(requirement(m));
      at = m.end();
      if (m.group(8).equals(",") && at == selector.length()) {
        throw new IllegalArgumentException("a requirement is missing after the last comma");
      }
    }
    return new LabelSelector(reqs);
  }

  private static Predicate<Map<String, String>> requirement(Matcher m) {
    if (m.group(1) != null) {
      String key = m.group(2);
      return labels -> !labels.containsKey(key);
    }
    String key = m.group(3);
    if (m.group(4) != null) {
      String value = m.group(5);
      return m.group(4).equals("!=")
          ? labels -> !value.equals(labels.get(key))
          : labels -> value.equals(labels.get(key));
    }
    if (m.group(6) != null) {
      Set<String> values = new java.util.HashSet<>();
      for (String v : m.group(7).split(",", -1)) {
        Matcher vm = SET_VALUE.matcher(v);
        if (!vm.matches()) {
          throw new IllegalArgumentException("\"" + v.strip() + "\" is not a label value");
        }
        values.add(vm.group(1));
      }
      return m.group(6).equals("in")
          ? labels -> values.contains(labels.get(key))
          : labels -> !values.contains(labels.get(key));
    }
    return labels -> labels.containsKey(key);
  }

  /** Whether {@code labels} (null: none) meet every requirement. */
  @Override
  public boolean test(Map<String, String> labels) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    for (Predicate<Map<String, String>> r : requirements) {
      if (!r.test(l)) {
        return false;
      }
    }
    return true;
  }
}
