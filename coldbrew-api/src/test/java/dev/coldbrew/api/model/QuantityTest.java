package dev.coldbrew.api.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class QuantityTest {
  @ParameterizedTest
  @CsvSource({
    "500m, 0.5",
    "0.5, 0.5",
    "2, 2",
    "64Mi, 67108864",
    "1Gi, 1073741824",
    "1G, 1000000000",
    "128974848, 128974848",
    "129e6, 129000000",
    "1.5Ki, 1536",
    "100u, 0.0001",
    ".5, 0.5"
  })
  void parsesKubernetesQuantities(String in, String value) {
    assertThat(Quantity.parse(in)).isEqualByComparingTo(new BigDecimal(value));
  }

  @Test
  void acceptsNumbersAndRoundsBytesUp() {
    assertThat(Quantity.parse(IntNode.valueOf(3))).isEqualByComparingTo("3");
    assertThat(Quantity.bytes(Quantity.parse("1.0001Ki"))).isEqualTo(1025);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "m", "1.2.3", "12XB", "1 Gi", "1gi", "0x10", "1e99", "lots", "Mi"})
  void refusesWhatIsNotAQuantity(String s) {
    assertThatThrownBy(() -> Quantity.parse(s)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Quantity.parse(TextNode.valueOf(s)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
