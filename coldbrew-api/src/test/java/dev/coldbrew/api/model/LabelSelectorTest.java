package dev.coldbrew.api.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kubernetes label selectors as lists take them: each form, combined, and malformed ones. */
class LabelSelectorTest {
  private static final Map<String, String> HELLO =
      Map.of("serving.knative.dev/service", "hello", "team", "blue", "empty", "");

  private static boolean selects(String selector, Map<String, String> labels) {
    return LabelSelector.parse(selector).test(labels);
  }

  @Test
  void eachFormSelectsAsKubernetesDoes() {
    assertThat(selects("serving.knative.dev/service=hello", HELLO)).isTrue();
    assertThat(selects("serving.knative.dev/service==hello", HELLO)).isTrue();
    assertThat(selects("serving.knative.dev/service=other", HELLO)).isFalse();
    assertThat(selects("team!=red", HELLO)).isTrue();
    assertThat(selects("team!=blue", HELLO)).isFalse();
    assertThat(selects("missing!=x", HELLO)).as("!= holds where the key is absent").isTrue();
    assertThat(selects("team", HELLO)).isTrue();
    assertThat(selects("missing", HELLO)).isFalse();
    assertThat(selects("!missing", HELLO)).isTrue();
    assertThat(selects("!team", HELLO)).isFalse();
    assertThat(selects("team in (red, blue)", HELLO)).isTrue();
    assertThat(selects("team in (red)", HELLO)).isFalse();
    assertThat(selects("team notin (red,green)", HELLO)).isTrue();
    assertThat(selects("missing notin (a)", HELLO)).as("notin holds where absent").isTrue();
    assertThat(selects("missing in (a)", HELLO)).isFalse();
    assertThat(selects("empty=", HELLO)).isTrue();
    assertThat(selects("", HELLO)).isTrue();
    assertThat(selects("team", null)).isFalse();
    assertThat(selects("!team", null)).isTrue();
  }

  @Test
  void requirementsAreAllNeeded() {
    assertThat(selects("team=blue, serving.knative.dev/service in (hello,x), !missing", HELLO))
        .isTrue();
    assertThat(selects("team=blue,serving.knative.dev/service=x", HELLO)).isFalse();
  }

  @Test
  void aMalformedSelectorSaysWhereItCannotBeRead() {
    for (String bad :
        new String[] {
          "=x", "team=blue,", ",team", "team in red", "team in (a b)", "team==", "team>1",
          "team in (a,(b))", "te am=x", "team=bl ue", "!", "team notin", "\u0000", "a=b;c=d"
        }) {
      if (bad.equals("team==")) { // an empty value after == is allowed, as after =
        assertThat(selects(bad, Map.of("team", ""))).isTrue();
        continue;
      }
      assertThatThrownBy(() -> LabelSelector.parse(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> LabelSelector.parse("team=blue,=x")).hasMessage("cannot read \"=x\"");
    assertThatThrownBy(() -> LabelSelector.parse("a".repeat(5000))).hasMessageContaining("4096");
  }
}
