from podsite.schemas.analytics import Window
from podsite.services.analytics import datacenters
from podsite.services.analytics.iab_rules import COUNTED_STATUSES, ONE_MINUTE
from podsite.settings import current_settings
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


class MethodologyViewModel(ViewModelBase):
    """The counting method, stated as the IAB guidelines ask, from the code's own rules."""

    page_title = 'How downloads are counted'

    def __init__(self) -> None:
        super().__init__()
        settings = current_settings()
        self.window_in_use = settings.analytics_window.value
        self.statuses = ', '.join(str(status) for status in sorted(COUNTED_STATUSES))
        self.minute = ONE_MINUTE
        # Behind nginx (`X-Accel-Redirect`) the site records the request and nginx sends the
        # bytes, so it knows what was asked for, not what was received.
        self.serves_media = settings.accel_redirect_prefix is None
        self.datacenter_filter = settings.analytics_datacenter_filter
        self.datacenter_networks = datacenters.matcher().networks
        self.high_volume_limit = settings.analytics_high_volume_limit
        self.windows = [
            (Window.CALENDAR_DAY.value,
             'one download per listener, episode and calendar day (UTC), the day resetting at '
             'midnight UTC'),
            (Window.ROLLING_FIRST_TOUCH.value,
             'a qualifying request opens 24 hours ("first touch"); requests inside them are '
             'the same download'),
            (Window.LAST_TOUCH.value,
             'a qualifying request opens 24 hours and every later request extends them by 24 '
             'hours from itself ("last touch"); a pause of a day starts a new one'),
        ]  # fmt: skip
