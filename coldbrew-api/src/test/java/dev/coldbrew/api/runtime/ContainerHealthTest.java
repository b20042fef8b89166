package dev.coldbrew.api.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ContainerHealthTest {
  @Test
  void aCrashLoopsRepeatedLinesAreShownOnceInTheOrderTheyLastAppeared() {
    List<String> tail =
        List.of(
            "starting up",
            "fatal: no config",
            "starting up",
            "fatal: no config",
            "starting up",
            "fatal: no config");
    assertThat(ContainerHealth.logExcerpt(tail, 10)).isEqualTo("starting up\nfatal: no config");
  }

  @Test
  void keepsTheLastDistinctLinesUpToTheBound() {
    assertThat(ContainerHealth.logExcerpt(List.of("a", "b", "c", "d"), 2)).isEqualTo("c\nd");
    assertThat(ContainerHealth.logExcerpt(List.of("a", "b", "a"), 5)).isEqualTo("b\na");
    assertThat(ContainerHealth.logExcerpt(List.of(), 5)).isEmpty();
  }
}
