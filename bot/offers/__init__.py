"""Local offers (the city's inventory of counselling and support, per district and field of
action), the providers who keep them current, and the matching of needs to offers."""
