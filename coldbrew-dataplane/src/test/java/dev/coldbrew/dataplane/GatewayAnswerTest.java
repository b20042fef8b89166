package dev.coldbrew.dataplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@link GatewayAnswer}: which answers tell the client when to retry, and the labels. */
class GatewayAnswerTest {
  @Test
  void onlyTheOverload503sCarryRetryAfter() {
    assertThat(
            Arrays.stream(GatewayAnswer.values())
                .filter(GatewayAnswer::retryAfter)
                .collect(Collectors.toSet()))
        .isEqualTo(Set.of(GatewayAnswer.TOO_MANY_HELD, GatewayAnswer.QUEUE_FULL));
  }

  @Test
  void labelsAreDistinctAndUsableAsPrometheusLabelValues() {
    assertThat(Arrays.stream(GatewayAnswer.values()).map(a -> a.label).distinct().count())
        .isEqualTo(GatewayAnswer.values().length);
    assertThat(GatewayAnswer.values()).allMatch(a -> a.label.matches("[a-z][a-z_]*"));
    assertThat(GatewayAnswer.values()).allMatch(a -> a.status >= 400 && a.status <= 599);
  }
}
