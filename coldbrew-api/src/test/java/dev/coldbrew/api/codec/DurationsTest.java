package dev.coldbrew.api.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {

  @Test
  void parsesWhatGosParseDurationParses() {
    assertThat(Durations.parse("60s")).isEqualTo(Duration.ofSeconds(60));
    assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("1.5h")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse(".5s")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("1.s")).isEqualTo(Duration.ofSeconds(1));
    assertThat(Durations.parse("2us")).isEqualTo(Duration.ofNanos(2000));
    assertThat(Durations.parse("2µs")).isEqualTo(Duration.ofNanos(2000));
    assertThat(Durations.parse("3ns")).isEqualTo(Duration.ofNanos(3));
    assertThat(Durations.parse("+5s")).isEqualTo(Duration.ofSeconds(5));
    assertThat(Durations.parse("-5s")).isEqualTo(Duration.ofSeconds(-5));
    assertThat(Durations.parse(" 6s ")).isEqualTo(Duration.ofSeconds(6));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "+0", "-0"})
  void zeroAloneNeedsNoUnit(String zero) {
    assertThat(Durations.parse(zero)).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"60", "30", "6", "1.5", ".5", "-3", "00"})
  void aNumberWithoutAUnitIsRefusedSayingThatItNeedsOne(String bare) {
    assertThatThrownBy(() -> Durations.parse(bare))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "\""
                + bare
                + "\" (expected: a duration with a unit, such as \""
                + bare
                + "s\" (a number alone is not a duration in Knative; units: h, m, s, ms, us,"
                + " ns))");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", " ", "-", "+", "s", "soon", "1x", "1s2", "1 s", "1s 2s", "1d", "1e3s", "--1s"})
  void malformedTextIsRefused(String bad) {
    assertThatThrownBy(() -> Durations.parse(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("\"" + bad + "\" (expected: a duration such as 60s, 1m30s or 500ms)");
  }

  @Test
  void aHugeValueIsRefusedNotWrapped() {
    assertThatThrownBy(() -> Durations.parse("99999999999999999999h"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Durations.parse(null)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void expectedAddsTheRange() {
    assertThat(Durations.expected("60", "6s..1h"))
        .startsWith("a duration with a unit, such as \"60s\"")
        .endsWith(", in 6s..1h");
  }

  @Test
  void formatsLikeGo() {
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("1m30s");
    assertThat(Durations.format(Duration.ofMillis(500))).isEqualTo("500ms");
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
  }
}
