select * from range(3) t(id)
