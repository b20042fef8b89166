package dev.coldbrew.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ActivatorSubsetTest {
  private static Set<String> addresses(int count) {
    Set<String> in = new HashSet<>();
    for (int i = 1; i <= count; i++) {
      in.add("10.0." + (i / 250) + "." + (i % 250));
    }
    return in;
  }

  /** Expected values printed by Knative's own {@code hash.ChooseSubset} for the same inputs. */
  @Test
  void choosesWhatKnativeChooses() {
    assertThat(ActivatorSubset.choose(addresses(3), 2, "hello-00001"))
        .containsExactly("10.0.0.2", "10.0.0.3");
    assertThat(ActivatorSubset.choose(addresses(10), 3, "hello-00002"))
        .containsExactly("10.0.0.10", "10.0.0.3", "10.0.0.6");
    assertThat(ActivatorSubset.choose(addresses(5), 1, "x")).containsExactly("10.0.0.5");
    assertThat(ActivatorSubset.choose(addresses(40), 5, "a-very-long-revision-name-00042"))
        .containsExactly("10.0.0.18", "10.0.0.25", "10.0.0.27", "10.0.0.29", "10.0.0.9");
  }

  @Test
  void zeroOrEnoughMeansAll() {
    assertThat(ActivatorSubset.choose(addresses(3), 0, "r")).hasSize(3);
    assertThat(ActivatorSubset.choose(addresses(3), 5, "r")).hasSize(3);
    assertThat(ActivatorSubset.choose(Set.of(), 2, "r")).isEmpty();
    assertThatThrownBy(() -> ActivatorSubset.choose(addresses(3), -1, "r"))
        .hasMessageContaining("n: -1");
  }

  @Test
  void removingAnUnchosenActivatorKeepsTheSubset() {
    Set<String> all = addresses(20);
    Set<String> chosen = ActivatorSubset.choose(all, 3, "hello-00001");
    Set<String> fewer = new HashSet<>(all);
    fewer.remove(all.stream().filter(a -> !chosen.contains(a)).findFirst().orElseThrow());

    assertThat(ActivatorSubset.choose(fewer, 3, "hello-00001")).isEqualTo(chosen);
  }
}
