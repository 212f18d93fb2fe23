"""The rule for a roster version that removes many people (issue 21): no database needed."""

from decimal import Decimal

import pytest

from subsidies.rosters.removals import removals_to_confirm


@pytest.mark.parametrize(
    ("removed", "previous", "needed"),
    [
        (0, 0, 0),  # a first version removes nobody
        (5, 0, 0),
        (0, 10, 0),
        (2, 10, 0),  # exactly the share: no confirmation
        (3, 10, 3),
        (992, 993, 992),  # the one-row upload of the finding
        (1, 3, 1),
        (20, 100, 0),
        (21, 100, 21),
    ],
)
def test_removals_over_the_share_need_the_number_confirmed(removed, previous, needed):
    assert removals_to_confirm(removed=removed, previous=previous, share=Decimal("0.2")) == needed


def test_a_share_of_zero_confirms_every_removal_and_one_confirms_none():
    assert removals_to_confirm(removed=1, previous=1000, share=Decimal(0)) == 1
    assert removals_to_confirm(removed=1000, previous=1000, share=Decimal(1)) == 0
