"""The rules of the hall: every life-cycle step of a ticket, the posts' work (reception,
support, duty leader, complaints, remedies, ratings, staff), and what each post reads."""
