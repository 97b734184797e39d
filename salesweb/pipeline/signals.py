"""Events of the pipeline area that higher areas listen to (blinker)."""

from blinker import Namespace

_signals = Namespace()

# sent with deal=<Deal>, actor=<User> after a deal is won
deal_won = _signals.signal("deal_won")
# sent with deal=<Deal>, actor=<User> after a deal is lost
deal_lost = _signals.signal("deal_lost")
